import type { Verdict } from "./sliding-log";

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

/** DRF's Throttled wait: the largest of the refusing throttles' waits that are not None, in seconds; null if all are. */
export function longestWait(refused: readonly Verdict[]): number | null {
  const waits = refused.flatMap((v) => (v.waitMs === null ? [] : [v.waitMs]));
  return waits.length === 0 ? null : Math.max(...waits) / 1000;
}
