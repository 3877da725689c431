import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { rateLimiter } from "../src/services/limiter";
import { TRUST_MS } from "../src/services/refusal-memory";
import { post, randomIp, registerUser, unique } from "./helpers";
import { aYearFromNow, freezeClock } from "./helpers/clock";
import { breakRateLimiter, loggedHits, statusCounts } from "./helpers/throttle";

const NO_ACCOUNT = { detail: "No active account found with the given credentials" };

/** A login from an address of its own, so only the per-username throttle can refuse it. */
const login = (username: string, password: string) => post("/api/token/", { username, password }, { ip: randomIp() });

const failTimes = async (username: string, times: number) => {
  for (let i = 0; i < times; i++) {
    const res = await login(username, `wrong password, guess ${i}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(NO_ACCOUNT);
  }
};

/** Counts PBKDF2 work (the expensive part of a login) from here on. */
const countDerivations = () => vi.spyOn(crypto.subtle, "deriveBits");

describe("login throttle: 10 failed logins per username an hour, from any address", () => {
  it("refuses the right password after 10 failures from 10 addresses, before hashing anything", async () => {
    freezeClock(aYearFromNow());
    const user = await registerUser();
    await failTimes(user.username, 10);

    const derivations = countDerivations();
    const res = await login(user.username, user.password);
    expect(res.status).toBe(429);
    expect(res.headers.get("Retry-After")).toBe("3600");
    expect(await res.json()).toEqual({ detail: "Request was throttled. Expected available in 3600 seconds." });
    expect(derivations).not.toHaveBeenCalled();
  });

  it("refuses exactly the attempts past 10 when guesses arrive at once, hashing only the admitted ones", async () => {
    for (let round = 0; round < 3; round++) {
      const user = await registerUser();
      const derivations = countDerivations();
      const responses = await Promise.all(Array.from({ length: 25 }, (_, i) => login(user.username, `guess ${i}`)));
      expect(statusCounts(responses)).toEqual({ 401: 10, 429: 15 });
      expect(derivations).toHaveBeenCalledTimes(10);
      derivations.mockRestore();
    }
  });

  it("does not count successful logins", async () => {
    const user = await registerUser();
    await failTimes(user.username, 9);
    for (let i = 0; i < 3; i++) expect((await login(user.username, user.password)).status).toBe(200);
    expect((await loggedHits(`login:${user.username}`, "login")).count).toBe(9);

    await failTimes(user.username, 1);
    expect((await login(user.username, user.password)).status).toBe(429);
  });

  it("counts usernames that do not exist the same way, so the throttle reveals nothing", async () => {
    const nobody = unique("nobody");
    await failTimes(nobody, 10);
    expect((await login(nobody, "anything")).status).toBe(429);
  });

  it("keeps other usernames unaffected", async () => {
    const [victim, bystander] = [await registerUser(), await registerUser()];
    await failTimes(victim.username, 10);
    expect((await login(bystander.username, bystander.password)).status).toBe(200);
  });

  it("lets the right password in again once the oldest failure leaves the hour, also after an eviction", async () => {
    const clock = freezeClock(aYearFromNow());
    const user = await registerUser();
    await failTimes(user.username, 1);
    clock.advance(1_800_000);
    await failTimes(user.username, 9);
    await evictDurableObject(rateLimiter(env, `login:${user.username}`));

    const refused = await login(user.username, user.password);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("1800");

    clock.advance(1_799_999);
    expect((await login(user.username, user.password)).headers.get("Retry-After")).toBe("1");
    clock.advance(1);
    expect((await login(user.username, user.password)).status).toBe(200);
  });
});

describe("an instance's memory of a locked-out account", () => {
  it("asks the limiter again after TRUST_MS: a lockout lifted elsewhere ends within a minute, not the hour", async () => {
    const clock = freezeClock(aYearFromNow());
    const user = await registerUser();
    await failTimes(user.username, 10);
    // A staff reset served by another instance: it empties the limiter's window, but this instance's
    // memory never hears of it (the same DELETE served here would make this memory forget it at once).
    const key = `login:${user.username}`;
    await rateLimiter(env, key).clear("login");
    expect((await loggedHits(key, "login")).count).toBe(0);

    // Still believed full: refused from memory with the hour's own wait, the limiter not asked.
    clock.advance(TRUST_MS - 1);
    const remembered = await login(user.username, user.password);
    expect(remembered.status).toBe(429);
    expect(remembered.headers.get("Retry-After")).toBe(String(3600 - (TRUST_MS - 1000) / 1000));

    // Past TRUST_MS the limiter is asked, and its empty window admits the right password.
    clock.advance(1);
    const res = await login(user.username, user.password);
    expect(res.status, await res.clone().text()).toBe(200);
  });
});

describe("login with an unreachable limiter", () => {
  it("fails closed: 503 without hashing, while other endpoints fail open", async () => {
    const user = await registerUser();
    vi.spyOn(console, "error").mockImplementation(() => {});
    breakRateLimiter();
    const derivations = countDerivations();

    const res = await login(user.username, user.password);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ detail: "Login is temporarily unavailable, please try again later." });
    expect(derivations).not.toHaveBeenCalled();

    const verify = await post("/api/token/verify/", { token: user.access }, { ip: randomIp() });
    expect(verify.status).toBe(200);
  });
});
