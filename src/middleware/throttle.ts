import type { Context } from "hono";
import type { AppEnv } from "../env";
import { serviceUnavailable, throttled } from "../lib/errors";
import { clientIp } from "../services/client-ip";
import { rateLimitHeaders } from "../services/rate-limit-headers";
import type { ThrottleWindow, Verdict } from "../services/sliding-log";
import type { RouteThrottle } from "../services/throttle-rates";

/** A throttle a route can name in `permit(..., { throttles })`, by its DRF scope. */
export type ThrottleName = RouteThrottle;

/** The RateLimiter object that counts for one identity: "ip:<address>", "user:<id>" or "login:<username>". */
export const rateLimiter = (env: Env, key: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));

type Ctx = Context<AppEnv>;
const ipKey = (c: Ctx) => `ip:${clientIp(c.req.raw.headers, c.var.config.numProxies)}`;
const userKey = (c: Ctx) => (c.var.user ? `user:${c.var.user.id}` : null);
const userOrIpKey = (c: Ctx) => userKey(c) ?? ipKey(c);

// DRF's throttle classes, each as the identity it counts under (its get_cache_key); null: not applied.
const THROTTLE_KEYS: Record<RouteThrottle, (c: Ctx) => string | null> = {
  anon: (c) => (c.var.user ? null : ipKey(c)), // AnonRateThrottle: anonymous requests only
  user: userOrIpKey, // UserRateThrottle
  // User scopes: anonymous clients are already held by `anon` (and `user`) on their address.
  burst: userKey,
  sustained: userKey,
  uploads: userOrIpKey, // ScopedRateThrottle
  book_create: userOrIpKey, // the tutorial's BookCreateThrottle, a UserRateThrottle subclass
};

/**
 * DRF's check_throttles: every applicable throttle sees the request and the longest wait is
 * reported. Throttles counting under the same identity share one object and one call; different
 * identities are asked in parallel. `names` replaces DEFAULT_THROTTLE_CLASSES for a route.
 * RateLimit-Policy / RateLimit headers go on whatever response follows, errors included.
 */
export async function applyThrottles(c: Ctx, names?: readonly ThrottleName[]): Promise<void> {
  const { config } = c.var;
  const byKey = new Map<string, ThrottleWindow[]>();
  for (const name of names ?? config.throttleClasses) {
    const rate = config.throttleRates[name];
    const key = THROTTLE_KEYS[name](c);
    if (rate === null || key === null) continue;
    byKey.set(key, [...(byKey.get(key) ?? []), { scope: name, ...rate }]);
  }
  if (byKey.size === 0) return;

  const now = Date.now();
  const calls = [...byKey].map(([key, windows]) => hitFailingOpen(c.env, key, windows, now));
  const verdicts = (await Promise.all(calls)).flat();
  for (const [name, value] of Object.entries(rateLimitHeaders(verdicts))) c.header(name, value, { append: true });
  const refused = verdicts.filter((v) => !v.allowed);
  if (refused.length > 0) throw throttled(longestWait(refused));
}

// Throttling protects capacity, not data: an unreachable limiter must not take the API down with it.
async function hitFailingOpen(env: Env, key: string, windows: ThrottleWindow[], now: number): Promise<Verdict[]> {
  try {
    return await rateLimiter(env, key).hit(windows, now);
  } catch (e) {
    console.error(`rate limiter unreachable, request let through unthrottled (${windows.map((w) => w.scope)})`, e);
    return [];
  }
}

/** DRF: the largest of the waits that are not None, in seconds; null if every wait is None. */
function longestWait(refused: readonly Verdict[]): number | null {
  const waits = refused.flatMap((v) => (v.waitMs === null ? [] : [v.waitMs]));
  return waits.length === 0 ? null : Math.max(...waits) / 1000;
}

/** A login attempt logged against its username, to be taken back if the password was right. */
export type LoginAttempt = { key: string; at: number } | null;

/**
 * The `login` throttle: at most N failed logins per username per window, from any number of
 * addresses. Called before any password hashing. The attempt is logged up front (not after the
 * password check fails), so concurrent guesses cannot all slip past the count; a successful login
 * gives its slot back with `forgiveLoginAttempt`. Fails closed: without the limiter, no login.
 */
export async function checkLoginThrottle(c: Ctx, username: string): Promise<LoginAttempt> {
  const rate = c.var.config.throttleRates.login;
  if (rate === null) return null;
  const key = `login:${username}`;
  const at = Date.now();
  const verdicts = await rateLimiter(c.env, key)
    .hit([{ scope: "login", ...rate }], at)
    .catch((e: unknown) => {
      console.error("login rate limiter unreachable, login refused", e);
      throw serviceUnavailable("Login is temporarily unavailable, please try again later.");
    });
  const refused = verdicts.filter((v) => !v.allowed);
  if (refused.length > 0) throw throttled(longestWait(refused));
  return { key, at };
}

/** The password was right: the attempt was not a failed login. */
export async function forgiveLoginAttempt(c: Ctx, attempt: LoginAttempt): Promise<void> {
  if (attempt === null) return;
  try {
    await rateLimiter(c.env, attempt.key).forget("login", attempt.at);
  } catch (e) {
    // The slot then stays used until it leaves the window: the user is not locked out by this alone.
    console.error("could not take back a successful login attempt", e);
  }
}
