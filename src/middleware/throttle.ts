import type { Context } from "hono";
import type { AppEnv } from "../env";
import { throttled } from "../lib/errors";
import type { RouteThrottle } from "../lib/throttle-rates";
import { clientIp } from "../services/client-ip";
import { judge, knownRefusals, refund } from "../services/limiter";
import { longestWait, rateLimitHeaders } from "../services/rate-limit-headers";
import type { ThrottleWindow, Verdict } from "../services/sliding-log";

/** A throttle a route can name in `permit(..., { throttles })`, by its DRF scope. */
export type ThrottleName = RouteThrottle;

type Ctx = Context<AppEnv>;
export const ipKey = (c: Ctx) => `ip:${clientIp(c.req.raw.headers, c.var.config.numProxies)}`;
const userKey = (c: Ctx) => (c.var.caller ? `user:${c.var.caller.userId}` : null);
const userOrIpKey = (c: Ctx) => userKey(c) ?? ipKey(c);

// DRF's throttle classes, each as the identity it counts under (its get_cache_key); null: not applied.
const THROTTLE_KEYS: Record<RouteThrottle, (c: Ctx) => string | null> = {
  anon: (c) => (c.var.caller ? null : ipKey(c)), // AnonRateThrottle: anonymous requests only
  user: userOrIpKey, // UserRateThrottle
  // User scopes: anonymous clients are already held by `anon` (and `user`) on their address.
  burst: userKey,
  sustained: userKey,
  uploads: userOrIpKey, // ScopedRateThrottle
  book_create: userOrIpKey, // the tutorial's BookCreateThrottle, a UserRateThrottle subclass
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
    private readonly c: Ctx,
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
          verdicts = await judge(this.c.env, key, windows, this.now);
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
export function enforce(c: Ctx, verdicts: Map<string, Verdict[]>): void {
  const all = [...verdicts.values()].flat();
  for (const [name, value] of Object.entries(rateLimitHeaders(all))) c.header(name, value, { append: true });
  const refused = all.filter((v) => !v.allowed);
  if (refused.length > 0) throw throttled(longestWait(refused));
}
