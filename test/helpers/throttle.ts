import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import type { RateLimiter } from "../../src/durable-objects/rate-limiter";
import { rateLimiter } from "../../src/services/limiter";

export type ServiceLimit = { r: number; t: number };

/** The RateLimit header (structured-field list) as scope → {r, t}. */
export function serviceLimits(res: Response): Record<string, ServiceLimit> {
  const limits: Record<string, ServiceLimit> = {};
  for (const [, scope, r, t] of (res.headers.get("RateLimit") ?? "").matchAll(/"([a-z_]+)";r=(\d+);t=(\d+)/g)) {
    limits[scope!] = { r: Number(r), t: Number(t) };
  }
  return limits;
}

/** What the RateLimiter object for `key` has logged for `scope`: read from its storage directly. */
export function loggedHits(key: string, scope: string) {
  return runInDurableObject(rateLimiter(env, key), (_: RateLimiter, state) => {
    const { sql } = state.storage;
    // An object that never logged anything has no table yet.
    const hasTable = sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'hits'").toArray().length > 0;
    if (!hasTable) return { count: 0, oldest: null };
    return sql
      .exec<{ count: number; oldest: number | null }>(
        "SELECT count(*) AS count, min(at) AS oldest FROM hits WHERE scope = ?",
        scope,
      )
      .one();
  });
}

/** Replaces the limiter binding with one whose calls fail, as an unreachable Durable Object would. */
export function breakRateLimiter() {
  const failing = { hit: () => Promise.reject(new Error("Durable Object reset because its code was updated.")) };
  return vi.spyOn(env.RATE_LIMITER, "get").mockReturnValue(failing as unknown as DurableObjectStub<RateLimiter>);
}

/** Tally of response statuses, e.g. { 201: 5, 429: 5 }. */
export function statusCounts(responses: Response[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of responses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}
