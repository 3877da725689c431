import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, get, login, postBook, registerUser, type TestUser } from "./helpers";
import { aYearFromNow, freezeClock } from "./helpers/clock";
import { serviceLimits, statusCounts } from "./helpers/throttle";

const HOUR = 3_600_000;

/** Hours pass in these tests: a token for the current (frozen) time. */
const loggedIn = async (user: TestUser): Promise<TestUser> => ({
  ...user,
  ...(await login(user.username, user.password)),
});

const booksOwnedBy = async (user: TestUser) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM books WHERE owner_id = ?").bind(user.id).first<{ n: number }>())!.n;

describe("BookCreateThrottle: 5 book creations per user per day", () => {
  it("creates exactly 5 of 10 concurrent books and refuses the rest without writing them", async () => {
    for (let round = 0; round < 5; round++) {
      const user = await registerUser();
      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => postBook(user, { title: `Book ${i}` })));
      expect(statusCounts(responses)).toEqual({ 201: 5, 429: 5 });
      expect(await booksOwnedBy(user)).toBe(5);
      for (const refused of responses.filter((r) => r.status === 429)) {
        expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
        expect(serviceLimits(refused).book_create!.r).toBe(0);
      }
    }
  });

  it("slides: the 6th waits for the oldest creation to age out, then one more is allowed", async () => {
    const clock = freezeClock(aYearFromNow());
    const user = await registerUser();
    for (let i = 0; i < 5; i++) {
      expect((await postBook(await loggedIn(user), { title: `Hour ${i}` })).status).toBe(201);
      clock.advance(HOUR);
    }
    // Now 5 h after the first creation: it leaves the window in 19 h.
    const sixth = await postBook(await loggedIn(user));
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get("Retry-After")).toBe(String(19 * 3600));
    expect(await sixth.json()).toEqual({ detail: "Request was throttled. Expected available in 68400 seconds." });
    expect(serviceLimits(sixth)).toEqual({ book_create: { r: 0, t: 19 * 3600 } });

    clock.advance(19 * HOUR - 1000);
    const later = await loggedIn(user);
    expect((await postBook(later)).headers.get("Retry-After")).toBe("1");
    clock.advance(1000);
    const allowed = await postBook(later);
    expect(allowed.status).toBe(201);
    // The second creation (1 h after the first) is now the oldest: it leaves in an hour.
    expect(serviceLimits(allowed)).toEqual({ book_create: { r: 0, t: 3600 } });
    expect((await postBook(later)).headers.get("Retry-After")).toBe("3600");
    expect(await booksOwnedBy(user)).toBe(6);
  });

  it("replaces the default throttles on creation only, and is kept per user", async () => {
    const user = await registerUser();
    for (let i = 0; i < 5; i++) await postBook(user);
    const refused = await postBook(user);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("RateLimit-Policy")).toBe('"book_create";q=5;w=86400');

    // Other actions are under the default throttles, which the creations did not count against.
    const list = await get("/api/books/", { token: user.access });
    expect(list.status).toBe(200);
    expect(serviceLimits(list).burst).toEqual({ r: 59, t: 60 });
    const book = ((await list.json()) as { id: number; owner: number }[]).find((b) => b.owner === user.id);
    const patched = await call("PATCH", `/api/books/${book!.id}/`, { title: "Dune Messiah" }, { token: user.access });
    expect(patched.status).toBe(200);

    const other = await registerUser();
    expect((await postBook(other)).status).toBe(201);
  });
});
