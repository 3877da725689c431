import { describe, expect, it } from "vitest";
import { throttled } from "../../src/lib/errors";
import { rateLimitHeaders } from "../../src/middleware/throttle";
import { drfWait, judge, windowStart } from "../../src/services/sliding-log";

const MINUTE = 60_000;
const t0 = 1_700_000_000_000;
const perMinute = (limit: number) => ({ scope: "test", limit, durationMs: MINUTE });

describe("the sliding log (DRF's SimpleRateThrottle)", () => {
  it("admits while fewer than `limit` requests lie in the window", () => {
    expect(judge(perMinute(3), { count: 0, oldest: null }, t0)).toMatchObject({
      allowed: true,
      remaining: 2,
      resetMs: MINUTE,
      waitMs: null,
    });
    expect(judge(perMinute(3), { count: 2, oldest: t0 }, t0 + 10_000)).toMatchObject({
      allowed: true,
      remaining: 0,
      resetMs: 50_000,
    });
  });

  it("refuses the request past the limit with the time until the oldest leaves the window", () => {
    // DRF's tests: 3/min → Retry-After 60; a second later → 59.
    expect(judge(perMinute(3), { count: 3, oldest: t0 }, t0)).toMatchObject({
      allowed: false,
      remaining: 0,
      resetMs: MINUTE,
      waitMs: MINUTE,
    });
    expect(judge(perMinute(3), { count: 3, oldest: t0 }, t0 + 1000).waitMs).toBe(59_000);
  });

  it("has no wait (DRF's None) once a lowered rate is below the logged history", () => {
    expect(drfWait(perMinute(2), { count: 5, oldest: t0 }, t0 + 1000)).toBeNull();
    expect(judge(perMinute(2), { count: 5, oldest: t0 }, t0 + 1000)).toMatchObject({ allowed: false, waitMs: null });
  });

  it("waits a whole window when the rate is 0 (nothing logged)", () => {
    expect(judge(perMinute(0), { count: 0, oldest: null }, t0)).toMatchObject({
      allowed: false,
      waitMs: MINUTE,
      resetMs: MINUTE,
    });
  });

  it("counts an entry exactly one window old as gone (DRF pops `<= now - duration`)", () => {
    expect(windowStart(perMinute(3), t0 + MINUTE)).toBe(t0);
  });
});

describe("RateLimit headers (draft-ietf-httpapi-ratelimit-headers)", () => {
  it("lists one policy and one service limit per scope, t agreeing with Retry-After at r=0", () => {
    const burst = judge({ scope: "burst", limit: 60, durationMs: MINUTE }, { count: 60, oldest: t0 }, t0 + 400);
    const daily = { scope: "sustained", limit: 1000, durationMs: 86_400_000 };
    const sustained = judge(daily, { count: 10, oldest: t0 }, t0 + 400);
    expect(rateLimitHeaders([burst, sustained])).toEqual({
      "RateLimit-Policy": '"burst";q=60;w=60, "sustained";q=1000;w=86400',
      RateLimit: '"burst";r=0;t=60, "sustained";r=989;t=86400',
    });
    expect(Math.ceil(burst.waitMs! / 1000)).toBe(60);
  });

  it("sends nothing when no throttle applied", () => {
    expect(rateLimitHeaders([])).toEqual({});
  });
});

describe("DRF's Throttled error", () => {
  it("rounds the wait up, with a singular for 1 second and Retry-After the same number", () => {
    expect(throttled(0.2)).toMatchObject({
      status: 429,
      body: { detail: "Request was throttled. Expected available in 1 second." },
      headers: { "Retry-After": "1" },
    });
    expect(throttled(59.01)).toMatchObject({
      body: { detail: "Request was throttled. Expected available in 60 seconds." },
      headers: { "Retry-After": "60" },
    });
  });

  it("has no wait and no Retry-After when DRF's wait() is None", () => {
    const error = throttled(null);
    expect(error.body).toEqual({ detail: "Request was throttled." });
    expect(error.headers).toEqual({});
  });
});
