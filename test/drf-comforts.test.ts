import { describe, expect, it, vi } from "vitest";
import { call, get, randomIp, registerUser } from "./helpers";
import { recordingD1 } from "./helpers/d1-recorder";

describe("DRF's API root", () => {
  it("maps each resource to the absolute URL of its list", async () => {
    const res = await get("/api/");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      users: "http://api.test/api/users/",
      books: "http://api.test/api/books/",
      tasks: "http://api.test/api/tasks/",
      profiles: "http://api.test/api/profiles/",
      sessions: "http://api.test/api/sessions/",
    });
    for (const url of Object.values((await (await get("/api/")).json()) as Record<string, string>)) {
      const path = new URL(url).pathname;
      expect([200, 401, 403], path).toContain((await get(path)).status);
    }
  });
});

describe("APPEND_SLASH", () => {
  it("redirects a GET or HEAD without the trailing slash to the slashed URL, keeping the query string", async () => {
    const user = await registerUser();
    for (const [method, path, location] of [
      ["GET", "/api/books", "/api/books/"],
      ["GET", "/api/books/12?x=1&y=2", "/api/books/12/?x=1&y=2"],
      ["HEAD", "/api/tasks", "/api/tasks/"],
      ["GET", "/api/token/refresh", "/api/token/refresh/"],
    ] as const) {
      const res = await call(method, path, undefined, { token: user.access, redirect: "manual" });
      expect([res.status, res.headers.get("Location")], `${method} ${path}`).toEqual([301, location]);
    }
  });

  it("answers another method without the slash with a 404 that says to add it, and writes nothing", async () => {
    const user = await registerUser();
    const res = await call("POST", "/api/tasks", { title: "lost" }, { token: user.access });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toBe(
      "Not found. This URL needs a trailing slash: POST /api/tasks/ (a redirect would lose the request body).",
    );
    expect(await (await get("/api/tasks/", { token: user.access })).json()).toEqual([]);
  });

  it("leaves alone paths that do not exist with a slash either, and the avatar URLs that have none", async () => {
    expect((await get("/api/nothing")).status).toBe(404);
    expect((await get("/api/nothing")).headers.has("Location")).toBe(false);
    expect((await get(`/api/avatars/${"0".repeat(32)}.png`)).status).toBe(404);
  });
});

describe("GET /api/health/", () => {
  it("answers 200 after a trivial database query, and is not throttled", async () => {
    const d1 = recordingD1();
    const ip = randomIp();
    for (let i = 0; i < 105; i++) {
      const res = await call("GET", "/api/health/", undefined, { ip, bindings: i === 0 ? { DB: d1.binding } : {} });
      expect(res.status).toBe(200);
      if (i === 0) expect(await res.json()).toEqual({ status: "ok" });
    }
    expect(d1.calls().map((c) => c.sql)).toEqual([["select 1"]]);
  });

  it("answers 503 when D1 is down", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const down = recordingD1({ fault: () => new Error("D1_ERROR: Network connection lost.") });
    const res = await call("GET", "/api/health/", undefined, { bindings: { DB: down.binding } });
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBeTruthy();
    vi.restoreAllMocks();
  });
});
