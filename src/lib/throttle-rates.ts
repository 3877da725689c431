/** Every throttle scope the API knows; a rate must be configured for each (null switches one off). */
export const THROTTLE_SCOPES = [
  "anon",
  "user",
  "burst",
  "sustained",
  "uploads",
  "login",
  "book_create",
  "password_reset",
  "email_verify",
  "email_change",
  "mail_cooldown",
  "mfa",
] as const;
export type ThrottleScope = (typeof THROTTLE_SCOPES)[number];

export const isThrottleScope = (name: string): name is ThrottleScope =>
  (THROTTLE_SCOPES as readonly string[]).includes(name);

/**
 * Scopes that no route names: `login` and `mfa` count guesses per account (of passwords, of codes:
 * services/guess-throttle.ts), `mail_cooldown` the mails one address is sent (services/mail-jobs.ts),
 * all apart from any client.
 */
const NOT_ROUTE_THROTTLES: readonly ThrottleScope[] = ["login", "mail_cooldown", "mfa"];

/** The throttles a route (or DEFAULT_THROTTLE_CLASSES) can name. */
export type RouteThrottle = Exclude<ThrottleScope, "login" | "mail_cooldown" | "mfa">;
export const isRouteThrottle = (name: string): name is RouteThrottle =>
  isThrottleScope(name) && !NOT_ROUTE_THROTTLES.includes(name);

/** A sliding-log window: at most `limit` admitted requests within any `durationMs`. */
export type Rate = { limit: number; durationMs: number };

// DRF's parse_rate reads only the first letter of the period: "5/d", "5/day" and "5/dxyz" are all a day.
const PERIOD_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export class RateSyntaxError extends Error {}

/** DRF's SimpleRateThrottle.parse_rate: "<count>/<period>"; anything else (e.g. "5/10m") is refused. */
export function parseRate(rate: string): Rate {
  const parts = rate.split("/");
  const [count, period] = parts;
  if (parts.length !== 2 || !/^\d+$/.test(count!)) {
    throw new RateSyntaxError(`"${rate}" is not a rate: write "<number>/<period>", e.g. "100/hour"`);
  }
  const seconds = PERIOD_SECONDS[period!.charAt(0)];
  if (seconds === undefined) {
    throw new RateSyntaxError(`"${rate}" has no period: it must start with s, m, h or d (e.g. "100/hour")`);
  }
  return { limit: Number(count), durationMs: seconds * 1000 };
}
