import type { Context } from "hono";
import type { AppEnv } from "../env";
import { clientIp } from "../lib/client-ip";
import { throttled } from "../lib/errors";
import type { RouteThrottle } from "../lib/throttle-rates";
import { askLimiter, knownRefusals, refund } from "../services/limiter";
import { longestWait, type ThrottleWindow, type Verdict } from "../services/sliding-log";

/** A throttle a route can name in `permit(..., { throttles })`, by its DRF scope. */
export type ThrottleName = RouteThrottle;

export const ipKey = (c: Context<AppEnv>) => `ip:${clientIp(c.req.raw.headers, c.var.config.numProxies)}`;
const userKey = (c: Context<AppEnv>) => (c.var.caller ? `user:${c.var.caller.userId}` : null);
const userOrIpKey = (c: Context<AppEnv>) => userKey(c) ?? ipKey(c);

// DRF's throttle classes, each as the identity it counts under (its get_cache_key); null: not applied.
const THROTTLE_KEYS: Record<RouteThrottle, (c: Context<AppEnv>) => string | null> = {
  anon: (c) => (c.var.caller ? null : ipKey(c)), // AnonRateThrottle: anonymous requests only
  user: userOrIpKey, // UserRateThrottle
  // User scopes: anonymous clients are already held by `anon` (and `user`) on their address.
  burst: userKey,
  sustained: userKey,
  uploads: userOrIpKey, // ScopedRateThrottle
  book_create: userOrIpKey, // the tutorial's BookCreateThrottle, a UserRateThrottle subclass
  // Account recovery's ScopedRateThrottles, per client (their routes also count per address).
  password_reset: userOrIpKey,
  email_verify: userOrIpKey,
  email_change: userOrIpKey,
};

/**
 * The throttles one request passes (DRF's get_throttles(): `names`, or DEFAULT_THROTTLE_CLASSES),
 * grouped by the identity each counts under: throttles of one identity share one object and one
 * call, different identities are asked in parallel. An identity is keyed by the verified token's
 * user id, so the throttles can be asked before the account lookup has answered.
 */
export class RequestThrottles {
  readonly now = Date.now();
  readonly #windows = new Map<string, ThrottleWindow[]>();
  #verdicts: Promise<Map<string, Verdict[]>> | undefined;

  constructor(
    private readonly c: Context<AppEnv>,
    names: readonly ThrottleName[] | undefined,
  ) {
    const { config } = c.var;
    for (const name of names ?? config.throttleClasses) {
      const rate = config.throttleRates[name];
      const key = THROTTLE_KEYS[name](c);
      if (rate === null || key === null) continue;
      this.#windows.set(key, [...(this.#windows.get(key) ?? []), { scope: name, ...rate }]);
    }
  }

  /** Whether this isolate already knows that some (or all) of these throttles refuse the request. */
  known(): "none" | "some" | "all" {
    const known = [...this.#windows].map(([key, windows]) => knownRefusals(key, windows, this.now));
    if (known.length === 0 || known.every((k) => k === "none")) return "none";
    return known.every((k) => k === "all") ? "all" : "some";
  }

  /** Every throttle's verdict (asked once). An unreachable limiter admits: throttling protects capacity, not data. */
  verdicts(): Promise<Map<string, Verdict[]>> {
    this.#verdicts ??= Promise.all(
      [...this.#windows].map(async ([key, windows]) => {
        let verdicts: Verdict[] = [];
        try {
          verdicts = await askLimiter(this.c.env, key, windows, this.now);
        } catch (e) {
          console.error(
            `rate limiter unreachable, request let through unthrottled (${windows.map((w) => w.scope)})`,
            e,
          );
        }
        return [key, verdicts] as const;
      }),
    ).then((entries) => new Map(entries));
    return this.#verdicts;
  }

  /** The request turned out to be one DRF never counts (refused before its throttles): take it back. */
  refund(verdicts: Map<string, Verdict[]>): void {
    for (const [key, judged] of verdicts) {
      const admitted = judged.filter((v) => v.allowed).map((v) => v.scope);
      if (admitted.length > 0) this.c.executionCtx.waitUntil(refund(this.c.env, key, admitted, this.now));
    }
  }
}

/**
 * DRF's check_throttles once the verdicts are in: every throttle saw the request and the longest wait
 * is reported. RateLimit-Policy / RateLimit headers go on whatever response follows, errors included.
 */
export function enforce(c: Context<AppEnv>, verdicts: Map<string, Verdict[]>): void {
  const all = [...verdicts.values()].flat();
  for (const [name, value] of Object.entries(rateLimitHeaders(all))) c.header(name, value, { append: true });
  const refused = all.filter((v) => !v.allowed);
  if (refused.length > 0) throw throttled(longestWait(refused));
}

/**
 * A throttle counted per address (the body's, any case) as well as per client: account recovery's
 * requests, so that no address is mailed without bound from many clients. It counts every address the
 * same way, whether or not an account has it: its 429 tells nothing about accounts. An unreachable
 * limiter admits, as the route throttles do.
 */
export async function throttleAddress(c: Context<AppEnv>, scope: RouteThrottle, address: string): Promise<void> {
  const rate = c.var.config.throttleRates[scope];
  if (rate === null) return;
  let verdicts: Verdict[] = [];
  try {
    verdicts = await askLimiter(c.env, `address:${address.toLowerCase()}`, [{ scope, ...rate }], Date.now());
  } catch (e) {
    console.error(`rate limiter unreachable, ${scope} let through without its per-address count`, e);
  }
  const refused = verdicts.filter((v) => !v.allowed);
  if (refused.length > 0) throw throttled(longestWait(refused));
}

const seconds = (ms: number) => Math.ceil(ms / 1000);

/**
 * draft-ietf-httpapi-ratelimit-headers (-08 to -11): structured-field lists, one item per policy,
 * named by throttle scope. `t` (the effective window) is the time until the oldest logged request
 * leaves the sliding window: until then the client can use no more than `r` requests. For a
 * policy at r=0 it is therefore the same number as DRF's Retry-After.
 */
export function rateLimitHeaders(verdicts: readonly Verdict[]): Record<string, string> {
  if (verdicts.length === 0) return {};
  return {
    "RateLimit-Policy": verdicts.map((v) => `"${v.scope}";q=${v.limit};w=${seconds(v.durationMs)}`).join(", "),
    RateLimit: verdicts.map((v) => `"${v.scope}";r=${v.remaining};t=${seconds(v.resetMs)}`).join(", "),
  };
}
