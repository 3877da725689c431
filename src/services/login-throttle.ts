import type { Config } from "../lib/config";
import { serviceUnavailable, throttled } from "../lib/errors";
import { judge, knownRefusals, LimiterUnavailable, refund } from "./limiter";
import { longestWait } from "./rate-limit-headers";

/**
 * The `login` throttle: at most N checked guesses per window for one identity, from any number of
 * addresses. It is asked before any password hashing, and the attempt is logged up front (not once
 * the password has failed), so concurrent guesses cannot all slip past the count; a successful login
 * gives its slot back (`forgive`). Fails closed: without the limiter, no login.
 */
export class LoginThrottle {
  readonly at = Date.now();
  readonly #key: string;

  constructor(
    private readonly env: Env,
    private readonly config: Config,
    identity: string,
  ) {
    this.#key = `login:${identity}`;
  }

  #window() {
    const rate = this.config.throttleRates.login;
    return rate === null ? null : { scope: "login", ...rate };
  }

  /** Whether this isolate already knows the identity has no guesses left: then nothing else should start. */
  knownRefused(): boolean {
    const window = this.#window();
    return window !== null && knownRefusals(this.#key, [window], this.at) === "all";
  }

  /** Logs the attempt, or refuses it: 429 with DRF's wait, or 503 if the limiter cannot be asked. */
  async check(): Promise<void> {
    const window = this.#window();
    if (window === null) return;
    let verdicts;
    try {
      verdicts = await judge(this.env, this.#key, [window], this.at);
    } catch (e) {
      if (!(e instanceof LimiterUnavailable)) throw e;
      console.error("login rate limiter unreachable, login refused", e);
      throw serviceUnavailable("Login is temporarily unavailable, please try again later.");
    }
    const refused = verdicts.filter((v) => !v.allowed);
    if (refused.length > 0) throw throttled(longestWait(refused));
  }

  /** The password was right: the attempt was not a failed guess. */
  forgive(): Promise<void> {
    return this.#window() === null ? Promise.resolve() : refund(this.env, this.#key, ["login"], this.at);
  }
}
