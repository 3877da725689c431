import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { rateLimiter } from "../src/services/limiter";
import { get, post, randomIp, registerUser } from "./helpers";
import { aYearFromNow, freezeClock } from "./helpers/clock";
import { breakRateLimiter, loggedHits, serviceLimits, statusCounts } from "./helpers/throttle";

const HOUR = 3_600_000;

/** A cheap anonymous request behind the default throttles: an invalid token to verify (401). */
const anonymous = (ip: string, headers: Record<string, string> = {}) =>
  post("/api/token/verify/", { token: "not-a-token" }, { ip, headers });

const throttledFor = (seconds: number) => ({
  detail: `Request was throttled. Expected available in ${seconds} ${seconds === 1 ? "second" : "seconds"}.`,
});

describe("anon throttle: 100 requests an hour per client address", () => {
  it("admits exactly 100 of 101 concurrent requests from one address, whatever X-Forwarded-For says", async () => {
    freezeClock(aYearFromNow());
    for (let round = 0; round < 3; round++) {
      const ip = randomIp();
      const responses = await Promise.all(
        Array.from({ length: 101 }, (_, i) => anonymous(ip, { "X-Forwarded-For": `198.51.100.${i}` })),
      );
      expect(statusCounts(responses)).toEqual({ 401: 100, 429: 1 });
      expect((await loggedHits(`ip:${ip}`, "anon")).count).toBe(100);

      const refused = responses.find((r) => r.status === 429)!;
      expect(await refused.json()).toEqual(throttledFor(3600));
      expect(refused.headers.get("Retry-After")).toBe("3600");
      expect(serviceLimits(refused).anon).toEqual({ r: 0, t: 3600 });

      // A new X-Forwarded-For is not a new client.
      const spoofed = await anonymous(ip, { "X-Forwarded-For": "192.0.2.1" });
      expect(spoofed.status).toBe(429);
    }
  });

  it("counts another address, and a user on the same address, separately", async () => {
    freezeClock(aYearFromNow());
    const ip = randomIp();
    await Promise.all(Array.from({ length: 100 }, () => anonymous(ip)));
    expect((await anonymous(ip)).status).toBe(429);

    const neighbour = await anonymous(randomIp());
    expect(neighbour.status).toBe(401);
    expect(serviceLimits(neighbour).anon).toEqual({ r: 99, t: 3600 });

    // anon never applies to an authenticated request: the user is counted by id.
    const user = await registerUser();
    const me = await get("/api/users/me/", { token: user.access, ip });
    expect(me.status).toBe(200);
    expect(Object.keys(serviceLimits(me))).toEqual(["user", "burst", "sustained"]);
  });

  it("remembers its count across an eviction of the limiter object", async () => {
    freezeClock(aYearFromNow());
    const ip = randomIp();
    await Promise.all(Array.from({ length: 100 }, () => anonymous(ip)));
    await evictDurableObject(rateLimiter(env, `ip:${ip}`));

    expect((await anonymous(ip)).status).toBe(429);
    expect((await loggedHits(`ip:${ip}`, "anon")).count).toBe(100);
  });

  it("clears its storage once everything it logged has left its window", async () => {
    const clock = freezeClock(aYearFromNow());
    const ip = randomIp();
    const limiter = rateLimiter(env, `ip:${ip}`);
    await anonymous(ip);
    clock.advance(HOUR / 2);
    await anonymous(ip);

    clock.advance(HOUR / 2);
    expect(await runDurableObjectAlarm(limiter)).toBe(true);
    expect(await loggedHits(`ip:${ip}`, "anon")).toEqual({ count: 1, oldest: clock.now() - HOUR / 2 });

    clock.advance(HOUR / 2);
    expect(await runDurableObjectAlarm(limiter)).toBe(true);
    const tables = await runInDurableObject(limiter, (_, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table'").toArray(),
    );
    expect(tables).not.toContainEqual({ name: "hits" });
    expect(serviceLimits(await anonymous(ip)).anon).toEqual({ r: 99, t: 3600 });
  });
});

describe("user, burst and sustained: 1000/hour, 60/min and 1000/day per user", () => {
  it("holds a user to 60 a minute, every throttle counting every request", async () => {
    const clock = freezeClock(aYearFromNow());
    const user = await registerUser();
    const me = () => get("/api/users/me/", { token: user.access });
    expect(statusCounts(await Promise.all(Array.from({ length: 60 }, me)))).toEqual({ 200: 60 });

    const refused = await me();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("60");
    expect(await refused.json()).toEqual(throttledFor(60));
    // DRF: throttles that pass count the request another throttle refuses; the refusing one does not.
    expect(serviceLimits(refused)).toEqual({
      user: { r: 939, t: 3600 },
      burst: { r: 0, t: 60 },
      sustained: { r: 939, t: 86400 },
    });
    expect((await loggedHits(`user:${user.id}`, "burst")).count).toBe(60);
    expect((await loggedHits(`user:${user.id}`, "sustained")).count).toBe(61);

    const other = await registerUser();
    expect((await get("/api/users/me/", { token: other.access })).status).toBe(200);

    clock.advance(60_000);
    const later = await me();
    expect(later.status).toBe(200);
    expect(serviceLimits(later)).toEqual({
      user: { r: 938, t: 3540 },
      burst: { r: 59, t: 60 },
      sustained: { r: 938, t: 86340 },
    });
  });

  // 1,001 requests: about 4 s on a quiet machine, past vitest's default 5 s on a busy one.
  it("reports the longest wait when several refuse; refused requests still count for the others", {
    timeout: 30_000,
  }, async () => {
    freezeClock(aYearFromNow());
    const user = await registerUser();
    const me = () => get("/api/users/me/", { token: user.access });
    // Only 60 get through burst, but user and sustained count all 1000 (DRF's "all throttles see each request").
    for (let batch = 0; batch < 10; batch++) await Promise.all(Array.from({ length: 100 }, me));

    const refused = await me();
    expect(serviceLimits(refused)).toEqual({
      user: { r: 0, t: 3600 },
      burst: { r: 0, t: 60 },
      sustained: { r: 0, t: 86400 },
    });
    expect(refused.headers.get("Retry-After")).toBe("86400");
    expect(await refused.json()).toEqual(throttledFor(86400));
  });

  it("costs one limiter call per request: throttles of one identity share an object", async () => {
    const user = await registerUser();
    const calls = vi.spyOn(env.RATE_LIMITER, "get");
    await get("/api/users/me/", { token: user.access });
    expect(calls).toHaveBeenCalledTimes(1); // user + burst + sustained
    await anonymous(randomIp());
    expect(calls).toHaveBeenCalledTimes(2); // anon + user, both on the address
  });
});

describe("reads run alongside the throttles", () => {
  it("still answer a refused read with 429 alone: not its data, not its 404", async () => {
    freezeClock(aYearFromNow());
    const user = await registerUser();
    const missing = () => get("/api/tasks/999999999/", { token: user.access });
    expect(statusCounts(await Promise.all(Array.from({ length: 30 }, missing)))).toEqual({ 404: 30 });
    const list = () => get("/api/tasks/", { token: user.access });
    expect(statusCounts(await Promise.all(Array.from({ length: 30 }, list)))).toEqual({ 200: 30 });
    for (const refused of [await missing(), await list()]) {
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({ detail: "Request was throttled. Expected available in 60 seconds." });
    }
  });
});

describe("RateLimit headers", () => {
  it("agree with what the limiter object has logged", async () => {
    const clock = freezeClock(aYearFromNow());
    const ip = randomIp();
    const start = clock.now();
    await anonymous(ip);
    clock.advance(600_000);
    await anonymous(ip);
    const third = await anonymous(ip);

    const logged = await loggedHits(`ip:${ip}`, "anon");
    expect(logged).toEqual({ count: 3, oldest: start });
    expect(third.headers.get("RateLimit-Policy")).toBe('"anon";q=100;w=3600, "user";q=1000;w=3600');
    expect(serviceLimits(third).anon).toEqual({
      r: 100 - logged.count,
      t: Math.ceil((logged.oldest! + HOUR - clock.now()) / 1000),
    });
    expect(serviceLimits(third).anon).toEqual({ r: 97, t: 3000 });
  });

  it("are on error responses after throttling, not on requests refused before it", async () => {
    const ip = randomIp();
    const invalid = await post("/api/register/", {}, { ip });
    expect(invalid.status).toBe(400);
    expect(serviceLimits(invalid).anon).toEqual({ r: 99, t: 3600 });

    // DRF checks permissions first: a refused request never reaches the throttles and is not counted.
    const other = randomIp();
    const unauthenticated = await get("/api/users/me/", { ip: other });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.has("RateLimit")).toBe(false);
    expect((await loggedHits(`ip:${other}`, "anon")).count).toBe(0);
  });
});

describe("an unreachable limiter", () => {
  it("lets requests through unthrottled and logs the failure (fail-open)", async () => {
    const user = await registerUser();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    breakRateLimiter();

    const me = await get("/api/users/me/", { token: user.access });
    expect(me.status).toBe(200);
    expect(me.headers.has("RateLimit")).toBe(false);
    expect((await anonymous(randomIp())).status).toBe(401);
    expect(errors).toHaveBeenCalledWith(
      expect.stringContaining("rate limiter unreachable, request let through unthrottled"),
      expect.any(Error),
    );
  });
});
