import type { Config } from "../lib/config";
import { serviceUnavailable, throttled } from "../lib/errors";
import type { ThrottleScope } from "../lib/throttle-rates";
import type { Device } from "./devices";
import { askLimiter, clearWindow, knownRefusals, LimiterUnavailable, refund } from "./limiter";
import { longestWait, type Verdict } from "./sliding-log";

/** What is guessed: an account's password (`login`), or the second factor of an account (`mfa`). */
export type GuessScope = Extract<ThrottleScope, "login" | "mfa">;

/** Who is counted: unknown clients of a target together, or one known device of that account alone. */
export type Guesser = { unknownClients: string } | { device: Device };

const limiterKey = (scope: GuessScope, guesser: Guesser) =>
  "device" in guesser
    ? `${scope}:user:${guesser.device.userId} device:${guesser.device.id}`
    : `${scope}:${guesser.unknownClients}`;

const UNAVAILABLE: Record<GuessScope, string> = {
  login: "Login is temporarily unavailable, please try again later.",
  mfa: "Two-factor authentication is temporarily unavailable, please try again later.",
};

/**
 * At most N checked guesses per window at one target from unknown clients, from any number of
 * addresses (RFC 4226 §7: across every session), and N more for each device that has logged into
 * the account before (its own budget: services/devices.ts), so a stranger's guesses never lock the
 * owner's known devices out. It is asked before any hashing, and the attempt is logged up front (not
 * once the guess has failed), so concurrent guesses cannot all slip past the count; a right guess
 * gives its slot back (`forgive`). Fails closed: without the limiter, no guess is checked.
 */
export class GuessThrottle {
  readonly at = Date.now();
  readonly #key: string;
  #checked: Promise<void> | undefined;

  constructor(
    private readonly env: Env,
    private readonly config: Config,
    private readonly scope: GuessScope,
    guesser: Guesser,
  ) {
    this.#key = limiterKey(scope, guesser);
  }

  #window() {
    const rate = this.config.throttleRates[this.scope];
    return rate === null ? null : { scope: this.scope, ...rate };
  }

  /** Whether this isolate already knows the guesser has no guesses left: then nothing else should start. */
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
      console.error(`${this.scope} rate limiter unreachable, guess refused`, e);
      throw serviceUnavailable(UNAVAILABLE[this.scope]);
    }
    const refused = verdicts.filter((v) => !v.allowed);
    if (refused.length > 0) throw throttled(longestWait(refused));
  }

  /** The guess was right: it was not a failed one. Also: the attempt turned out to be another guesser's. */
  forgive(): Promise<void> {
    return this.#window() === null ? Promise.resolve() : refund(this.env, this.#key, [this.scope], this.at);
  }
}

/**
 * An admin's reset: an account's failed logins from unknown clients are forgotten (devices keep their
 * own budgets). Other isolates that remember the account as out of guesses ask the limiter again
 * within a minute (RefusalMemory's TRUST_MS).
 */
export async function clearLoginFailures(env: Env, usernameKey: string): Promise<void> {
  try {
    await clearWindow(env, limiterKey("login", { unknownClients: usernameKey }), "login");
  } catch (e) {
    if (!(e instanceof LimiterUnavailable)) throw e;
    throw serviceUnavailable("The rate limiter is temporarily unavailable, please try again later.");
  }
}
