import { describe, expect, it } from "vitest";
import { call, post, registerUser, rowOf, type TestUser } from "./helpers";
import { freezeClock } from "./helpers/clock";

// An update that names no writable field (an empty PATCH, or only read-only fields) changes nothing
// but updated_at, as Django's save() does — never a 500 from an UPDATE with nothing to set.
const resources: [string, string, (user: TestUser) => Promise<Record<string, unknown>>][] = [
  [
    "books",
    "PATCH",
    (u) => create("/api/books/", u, { title: "Dune", author: "Frank Herbert", published_date: "1965-08-01" }),
  ],
  ["tasks", "PATCH", (u) => create("/api/tasks/", u, { title: "Write tests" })],
  ["profiles", "PATCH", (u) => create("/api/profiles/", u, { bio: "Hi" })],
  ["profiles", "PUT", (u) => create("/api/profiles/", u, { bio: "Hi" })],
];

async function create(path: string, user: TestUser, body: Record<string, unknown>) {
  const res = await post(path, body, { token: user.access });
  expect(res.status).toBe(201);
  return (await res.json()) as Record<string, unknown>;
}

const iso = (ms: number) => new Date(ms).toISOString();

describe("updates that name no writable field", () => {
  it.each(resources)(
    "%s: %s answers 200 with the row unchanged but for updated_at, set to now",
    async (name, method, make) => {
      const clock = freezeClock();
      const createdAt = clock.now();
      const user = await registerUser();
      const before = await make(user);
      expect(before).toMatchObject({ created_at: iso(createdAt), updated_at: iso(createdAt) });
      const { updated_at: _, ...unchanged } = before;

      for (const body of [{}, { id: 999, owner: 1, created_at: "2000-01-01T00:00:00Z" }]) {
        const now = clock.advance(90_000);
        const res = await call(method, `/api/${name}/${before.id}/`, body, { token: user.access });
        expect(res.status, await res.clone().text()).toBe(200);
        expect(await res.json()).toEqual({ ...unchanged, updated_at: iso(now) });
        expect(await rowOf(name, before.id as number)).toMatchObject({ created_at: createdAt, updated_at: now });
      }
    },
  );
});
