import type { Config } from "../lib/config";
import { serviceUnavailable, throttled } from "../lib/errors";
import { askLimiter, clearWindow, knownRefusals, LimiterUnavailable, refund } from "./limiter";
import { longestWait, type Verdict } from "./sliding-log";

/** The limiter that counts failed logins into an account from clients it does not know. */
const unknownClients = (usernameKey: string) => `login:${usernameKey}`;

/**
 * The `login` throttle: at most N checked guesses per window for one account from unknown clients,
 * from any number of addresses, and N more for each device that has logged into it before (its own
 * budget: see services/devices.ts). It is asked before any password hashing, and the attempt is
 * logged up front (not once the password has failed), so concurrent guesses cannot all slip past the
 * count; a successful login gives its slot back (`forgive`). Fails closed: without the limiter, no login.
 */
export class LoginThrottle {
  readonly at = Date.now();
  readonly #key: string;
  #checked: Promise<void> | undefined;

  constructor(
    private readonly env: Env,
    private readonly config: Config,
    usernameKey: string,
    device: string | null,
  ) {
    this.#key = device === null ? unknownClients(usernameKey) : `${unknownClients(usernameKey)} device:${device}`;
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

  /** Logs the attempt (once, however often asked), or refuses it: 429 with DRF's wait, or 503 if the limiter cannot be asked. */
  check(): Promise<void> {
    this.#checked ??= this.#check();
    return this.#checked;
  }

  async #check(): Promise<void> {
    const window = this.#window();
    if (window === null) return;
    let verdicts: Verdict[];
    try {
      verdicts = await askLimiter(this.env, this.#key, [window], this.at);
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

/**
 * An admin's reset: the account's failed logins from unknown clients are forgotten (devices keep their
 * own budgets). Other isolates that remember the account as out of guesses ask the limiter again
 * within a minute (RefusalMemory's TRUST_MS).
 */
export async function clearLoginFailures(env: Env, usernameKey: string): Promise<void> {
  try {
    await clearWindow(env, unknownClients(usernameKey), "login");
  } catch (e) {
    if (!(e instanceof LimiterUnavailable)) throw e;
    throw serviceUnavailable("The rate limiter is temporarily unavailable, please try again later.");
  }
}
