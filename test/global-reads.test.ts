import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  type CallOptions,
  call,
  countRows,
  post,
  randomIp,
  refusedAccessBody,
  registerUser,
  rowOf,
  setActive,
  staffUser,
  type TestUser,
} from "./helpers";
import { recordingD1 } from "./helpers/d1-recorder";
import { loggedHits } from "./helpers/throttle";

const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

let d1: ReturnType<typeof recordingD1>;
beforeEach(() => {
  d1 = recordingD1();
});
/** A request to the Worker whose D1 binding records every session and round trip. */
const recorded = (method: string, path: string, body?: unknown, options: CallOptions = {}) =>
  call(method, path, body, { ...options, bindings: { DB: d1.binding, ...options.bindings } });

/** The one session a request opened, and how it was started. */
async function sessionOf(request: () => Promise<Response>, status = 200) {
  d1.clear();
  const res = await request();
  expect(res.status, await res.clone().text()).toBe(status);
  expect(d1.sessions).toHaveLength(1);
  return { res, session: d1.sessions[0]!, start: d1.sessions[0]!.start };
}

async function newTask(user: TestUser, title = "t") {
  const res = await recorded("POST", "/api/tasks/", { title }, { token: user.access });
  expect(res.status).toBe(201);
  return { id: ((await res.json()) as { id: number }).id, bookmark: res.headers.get("x-d1-bookmark") };
}

describe("a D1 session per request", () => {
  it("reads start anywhere, or from the client's bookmark", async () => {
    const user = await registerUser();
    const auth = { token: user.access };
    expect((await sessionOf(() => recorded("GET", "/api/books/"))).start).toBe("first-unconstrained");
    expect((await sessionOf(() => recorded("GET", "/api/tasks/", undefined, auth))).start).toBe("first-unconstrained");
    expect((await sessionOf(() => recorded("HEAD", "/api/tasks/", undefined, auth))).start).toBe("first-unconstrained");
    expect((await sessionOf(() => recorded("OPTIONS", "/api/tasks/", undefined, auth))).start).toBe(
      "first-unconstrained",
    );
    const { bookmark } = await newTask(user);
    expect(bookmark).toMatch(BOOKMARK);
    const withBookmark = { ...auth, headers: { "x-d1-bookmark": bookmark! } };
    expect((await sessionOf(() => recorded("GET", "/api/tasks/", undefined, withBookmark))).start).toBe(bookmark);
  });

  it("token views, registration, password and account changes decide on the primary", async () => {
    const user = await registerUser();
    const staff = await staffUser();
    const { bookmark } = await newTask(user);
    const requests: [string, string, unknown, CallOptions, number][] = [
      ["PATCH", `/api/users/${user.id}/`, { first_name: "F" }, { token: staff.access }, 200],
      ["POST", "/api/token/verify/", { token: user.access }, {}, 200],
      [
        "POST",
        "/api/register/",
        { username: `r${Date.now()}`, password: user.password, password_confirm: user.password },
        {},
        201,
      ],
      ["POST", "/api/token/refresh/", { refresh: user.refresh }, {}, 200],
      [
        "POST",
        "/api/password/change/",
        {
          old_password: user.password,
          new_password: "a new long passphrase",
          new_password_confirm: "a new long passphrase",
        },
        { token: user.access },
        200,
      ],
    ];
    for (const [method, path, body, options, status] of requests) {
      const headers = { "x-d1-bookmark": bookmark! };
      d1.clear();
      const res = await recorded(method, path, body, { ...options, headers });
      expect(res.status, await res.text()).toBe(status);
      // A password change also mails a notice after the response, on a session of its own: on the primary too.
      expect(
        d1.sessions.map((session) => session.start),
        `${method} ${path}`,
      ).toEqual(d1.sessions.map(() => "first-primary"));
      expect(d1.sessions.length, `${method} ${path}`).toBeGreaterThan(0);
    }
  });

  it("a write reads near the user; each of its writes is one batch behind the session guard, on the primary", async () => {
    const user = await registerUser();
    const { bookmark } = await newTask(user);
    const auth = { token: user.access, headers: { "x-d1-bookmark": bookmark! } };
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1]);
    const writes: [string, string, unknown, CallOptions, number][] = [
      ["POST", "/api/tasks/", { title: "w" }, auth, 201],
      ["POST", "/api/books/", { title: "B", author: "A", published_date: "2020-01-01" }, auth, 201],
      ["POST", "/api/profiles/", {}, auth, 201],
      ["PATCH", "/api/profiles/me/", { bio: "x" }, auth, 200],
      [
        "PUT",
        "/api/profiles/me/avatar/",
        png,
        { ...auth, headers: { ...auth.headers, "Content-Type": "image/png" } },
        200,
      ],
    ];
    for (const [method, path, body, options, status] of writes) {
      const { start, session } = await sessionOf(() => recorded(method, path, body, options), status);
      expect(start, `${method} ${path}`).toBe(bookmark);
      const writing = session.calls.filter((call) => call.sql.some((sql) => /^(insert|update|delete)/i.test(sql)));
      expect(writing.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const call of writing) {
        expect(call.kind).toBe("batch");
        expect(call.sql[0]).toMatch(/^insert into session_guard/);
      }
    }
  });

  it("ignores a malformed bookmark: the read starts anywhere and answers as usual", async () => {
    const user = await registerUser();
    const malformed = [
      "garbage",
      "' OR 1=1 --",
      "0".repeat(10_000),
      "00000000-00000004-00000000",
      "ZZZZZZZZ-00000004-00000000-00000000000000000000000000000000",
    ];
    for (const bookmark of malformed) {
      const { res, start } = await sessionOf(() =>
        recorded("GET", "/api/tasks/", undefined, { token: user.access, headers: { "x-d1-bookmark": bookmark } }),
      );
      expect(start).toBe("first-unconstrained");
      expect(res.headers.get("x-d1-bookmark")).toMatch(BOOKMARK);
    }
  });

  it("sends the session's newest bookmark back on every response that touched D1, and none otherwise", async () => {
    const user = await registerUser();
    const { bookmark: written } = await newTask(user);
    const read = await recorded("GET", "/api/tasks/", undefined, {
      token: user.access,
      headers: { "x-d1-bookmark": written! },
    });
    // Bookmarks compare as strings: the read's is at least as new as the write it started from.
    expect(read.headers.get("x-d1-bookmark")! >= written!).toBe(true);

    const noDatabase = [await recorded("GET", "/api/schema/"), await recorded("GET", "/api/nothing/")];
    for (const res of noDatabase) expect(res.headers.has("x-d1-bookmark")).toBe(false);
  });

  it("read-your-writes: a bookmark from a write, sent back, gives a read that sees the write", async () => {
    const user = await registerUser();
    const { id, bookmark } = await newTask(user, "mine");
    const list = await recorded("GET", "/api/tasks/", undefined, {
      token: user.access,
      headers: { "x-d1-bookmark": bookmark! },
    });
    expect(((await list.json()) as { id: number }[]).map((t) => t.id)).toContain(id);
    expect(d1.sessions.at(-1)!.start).toBe(bookmark);
  });
});

describe("authentication rides along", () => {
  it("an authenticated read makes one D1 round trip: the account lookup in the batch of the handler's first query", async () => {
    const user = await registerUser();
    const { id } = await newTask(user);
    for (const path of ["/api/tasks/", `/api/tasks/${id}/`, "/api/tasks/trash/", "/api/books/"]) {
      const { session } = await sessionOf(() => recorded("GET", path, undefined, { token: user.access }));
      expect(session.calls, path).toHaveLength(1);
      expect(session.calls[0]!.kind, path).toBe("batch");
      expect(session.calls[0]!.sql, path).toHaveLength(2);
    }
    // A read that needs nothing but the account: the lookup alone.
    const { session } = await sessionOf(() => recorded("GET", "/api/users/me/", undefined, { token: user.access }));
    expect(session.calls).toEqual([{ kind: "all", sql: [expect.stringContaining('from "users"')] }]);
  });

  it("a session the nearby replica does not have yet (a login moments ago) is looked up on the primary", async () => {
    const user = await registerUser();
    const lagging = recordingD1({ replica: env.LAGGING_REPLICA });
    const res = await call("GET", "/api/tasks/", undefined, { token: user.access, bindings: { DB: lagging.binding } });
    // Authenticated by the primary; the list itself is the replica's (empty: it has no rows yet).
    expect([res.status, await res.json()]).toEqual([200, []]);
    expect(lagging.sessions.map((s) => s.start)).toEqual(["first-unconstrained", "first-primary"]);

    const unknown = await call("GET", "/api/tasks/", undefined, {
      token: (await registerUser()).access,
      bindings: { DB: lagging.binding },
    });
    expect(unknown.status).toBe(200);
  });

  it("an anonymous read makes one round trip: its query, and no lookup", async () => {
    const { session } = await sessionOf(() => recorded("GET", "/api/books/"));
    expect(session.calls).toEqual([{ kind: "raw", sql: [expect.stringContaining('from "books"')] }]);
  });

  it("answers only once authentication passed: an ended session or an inactive account gets the 401, never the data", async () => {
    const user = await registerUser();
    await newTask(user, "secret");
    expect((await post("/api/token/blacklist/", { refresh: user.refresh })).status).toBe(200);
    const ended = await recorded("GET", "/api/tasks/", undefined, { token: user.access });
    expect(ended.status).toBe(401);
    expect(await ended.text()).not.toContain("secret");

    const other = await registerUser();
    await newTask(other, "secret");
    await setActive(other.id, false);
    const inactive = await recorded("GET", "/api/tasks/", undefined, { token: other.access });
    expect([inactive.status, await inactive.json()]).toEqual([
      401,
      { detail: "User is inactive", code: "user_inactive" },
    ]);
  });

  it("a refused request's answer keeps nothing of what the handler had answered (no data, no caching headers)", async () => {
    const user = await registerUser();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const upload = await call("PUT", "/api/profiles/me/avatar/", png, {
      token: user.access,
      headers: { "Content-Type": "image/png" },
    });
    const avatar = new URL(((await upload.json()) as { avatar: string }).avatar).pathname;
    expect((await post("/api/token/blacklist/", { refresh: user.refresh })).status).toBe(200);

    const res = await call("GET", avatar, undefined, { token: user.access });
    expect(res.status).toBe(401);
    expect(res.headers.get("Content-Type")).toBe("application/json");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.has("ETag")).toBe(false);
  });

  it("the client that logged out is refused at once: its bookmark takes its next read past the logout", async () => {
    const user = await registerUser();
    const logout = await recorded("POST", "/api/token/blacklist/", { refresh: user.refresh });
    const bookmark = logout.headers.get("x-d1-bookmark");
    expect(bookmark).toMatch(BOOKMARK);
    const next = await recorded("GET", "/api/tasks/", undefined, {
      token: user.access,
      headers: { "x-d1-bookmark": bookmark! },
    });
    expect(next.status).toBe(401);
    expect(d1.sessions.at(-1)!.start).toBe(bookmark);
  });

  it("a request refused before its throttles is not counted by them, as in DRF", async () => {
    const user = await registerUser();
    await call("GET", "/api/tasks/", undefined, { token: user.access });
    expect((await loggedHits(`user:${user.id}`, "burst")).count).toBe(1);

    // 403 from IsAdminUser, decided once the account has been looked up alongside the limiter.
    expect((await call("GET", "/api/users/", undefined, { token: user.access })).status).toBe(403);
    // 401 from an ended session.
    expect((await post("/api/token/blacklist/", { refresh: user.refresh })).status).toBe(200);
    expect((await call("GET", "/api/tasks/", undefined, { token: user.access })).status).toBe(401);
    await vi.waitFor(async () => expect((await loggedHits(`user:${user.id}`, "burst")).count).toBe(1));
    expect((await loggedHits(`user:${user.id}`, "sustained")).count).toBe(1);
  });
});

describe("the session guard: a write lands only while the session is live on the primary", () => {
  /** The Worker, with `change` applied to the primary just before the first guarded write is sent. */
  const changedBeforeWrite = (change: () => Promise<unknown>) => {
    let done = false;
    return recordingD1({
      beforeCall: async (sql) => {
        if (done || !sql[0]!.startsWith("insert into session_guard")) return;
        done = true;
        await change();
      },
    }).binding;
  };

  it("a session ended after the nearby check (a logout elsewhere, not yet replicated) writes nothing: 401", async () => {
    const user = await registerUser();
    const DB = changedBeforeWrite(() =>
      env.DB.prepare("UPDATE sessions SET revoked_at = ? WHERE user_id = ?").bind(Date.now(), user.id).run(),
    );
    const tasks = await countRows("tasks");
    const res = await call("POST", "/api/tasks/", { title: "late" }, { token: user.access, bindings: { DB } });
    expect([res.status, await res.json()]).toEqual([401, refusedAccessBody("Token is blacklisted")]);
    expect(await countRows("tasks")).toBe(tasks);
  });

  it("an account deactivated in between: 401 user_inactive, nothing written", async () => {
    const user = await registerUser();
    const { id } = await newTask(user, "before");
    const DB = changedBeforeWrite(() => setActive(user.id, false));
    const before = await rowOf("tasks", id);
    const res = await call("PATCH", `/api/tasks/${id}/`, { title: "after" }, { token: user.access, bindings: { DB } });
    expect([res.status, await res.json()]).toEqual([401, { detail: "User is inactive", code: "user_inactive" }]);
    expect(await rowOf("tasks", id)).toEqual(before);
  });
});

describe("refusals cost nothing", () => {
  const rates = (overrides: Record<string, string | null>) => ({
    DEFAULT_THROTTLE_RATES: JSON.stringify({ ...env.DEFAULT_THROTTLE_RATES, ...overrides }),
  });

  it("once every throttle of a request is full, further requests touch neither D1 nor the limiter", async () => {
    const user = await registerUser();
    const tight = rates({ user: "2/day", burst: "2/day", sustained: "2/day" });
    const send = (method = "GET") =>
      recorded(method, "/api/tasks/", undefined, { token: user.access, bindings: tight });
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);

    const limiter = vi.spyOn(env.RATE_LIMITER, "get");
    d1.clear();
    for (let i = 0; i < 10; i++) {
      const refused = await send(i % 2 === 0 ? "GET" : "OPTIONS");
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(86_000);
      expect(refused.headers.get("RateLimit")).toMatch(/"user";r=0;t=\d+, "burst";r=0;t=\d+, "sustained";r=0;t=\d+/);
    }
    expect(d1.calls()).toEqual([]);
    expect(limiter).not.toHaveBeenCalled();
    expect((await loggedHits(`user:${user.id}`, "burst")).count).toBe(2);
  });

  it("the same for an anonymous client, and for writes", async () => {
    const ip = randomIp();
    const tight = rates({ anon: "1/day", user: "1/day" });
    expect((await recorded("GET", "/api/books/", undefined, { ip, bindings: tight })).status).toBe(200);
    const limiter = vi.spyOn(env.RATE_LIMITER, "get");
    d1.clear();
    for (const method of ["GET", "POST", "OPTIONS", "PUT"]) {
      const res = await recorded(method, "/api/register/", method === "GET" ? undefined : {}, { ip, bindings: tight });
      expect(res.status, method).toBe(429);
    }
    expect(d1.calls()).toEqual([]);
    expect(limiter).not.toHaveBeenCalled();
  });

  it("while another throttle still counts the request (DRF counts refused requests in those), only the limiter is asked", async () => {
    const ip = randomIp();
    const bindings = rates({ anon: "2/hour" });
    const send = () => recorded("GET", "/api/books/", undefined, { ip, bindings });
    expect([(await send()).status, (await send()).status]).toEqual([200, 200]);
    d1.clear();
    const limiter = vi.spyOn(env.RATE_LIMITER, "get");
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(429);
    expect(d1.calls()).toEqual([]);
    expect(limiter).toHaveBeenCalledTimes(3);
    expect((await loggedHits(`ip:${ip}`, "user")).count).toBe(5);
    expect((await loggedHits(`ip:${ip}`, "anon")).count).toBe(2);
  });

  it("a write refused by its throttle writes nothing and reads nothing", async () => {
    const user = await registerUser();
    const bindings = rates({ book_create: "1/day" });
    const book = { title: "B", author: "A", published_date: "2020-01-01" };
    expect((await recorded("POST", "/api/books/", book, { token: user.access, bindings })).status).toBe(201);
    d1.clear();
    const limiter = vi.spyOn(env.RATE_LIMITER, "get");
    for (let i = 0; i < 3; i++) {
      expect((await recorded("POST", "/api/books/", book, { token: user.access, bindings })).status).toBe(429);
    }
    expect(d1.calls()).toEqual([]);
    expect(limiter).not.toHaveBeenCalled();
  });
});
