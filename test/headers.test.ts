import { beforeAll, describe, expect, it, vi } from "vitest";
import { BODY_LIMIT } from "../src/lib/request-body";
import { call, get, login, post, randomIp, registerUser, unique } from "./helpers";
import { logLines } from "./helpers/log-lines";

/** The Worker's error log, kept out of the test output; errors must go there, not to the client. */
const quietErrorLog = () => vi.spyOn(console, "error").mockImplementation(() => {});

/** A D1 binding whose every query fails with the kind of message D1 gives. */
const brokenDatabase = () => {
  const fail = () => {
    throw new Error("D1_ERROR: no such table: books: SQLITE_ERROR at offset 14 (src/db/client.ts:3)");
  };
  return { prepare: fail, batch: fail, exec: fail, dump: fail, withSession: fail } as unknown as D1Database;
};

const INTERNALS = /D1_ERROR|SQLITE|stack|\bat \w|\.ts\b|Error:|hono|workerd/i;

async function throttledLogin(): Promise<Response> {
  const username = unique();
  for (let i = 0; i < 10; i++) await post("/api/token/", { username, password: "wrong" }, { ip: randomIp() });
  return post("/api/token/", { username, password: "wrong" }, { ip: randomIp() });
}

/** What the tests read of a response; its body read once, so that every test may read it. */
type Answer = { status: number; headers: Headers; body: string };
const answer = async (res: Response): Promise<Answer> => ({
  status: res.status,
  headers: res.headers,
  body: await res.text(),
});

/** One response of each kind the API gives, by name. */
async function responsesOfEveryKind(): Promise<Record<string, Answer>> {
  const user = await registerUser();
  const task = (await (await post("/api/tasks/", { title: "t" }, { token: user.access })).json()) as { id: number };
  const responses: Record<string, Response> = {
    "200 list": await get("/api/books/"),
    "201 register": await post("/api/register/", {
      username: unique(),
      password: user.password,
      password_confirm: user.password,
    }),
    "204 delete": await call("DELETE", `/api/tasks/${task.id}/`, undefined, { token: user.access }),
    "400 validation": await post("/api/register/", {}),
    "400 parse error": await post("/api/register/", "{"),
    "401 anonymous": await get("/api/users/me/"),
    "401 bad token": await get("/api/users/me/", { token: "not.a.token" }),
    "403 not staff": await get("/api/users/", { token: user.access }),
    "404 unknown path": await get("/api/nothing/"),
    "404 outside the API": await get("/"),
    "405 method": await call("PUT", "/api/register/"),
    "413 too large": await post("/api/register/", { username: "x".repeat(BODY_LIMIT) }),
    "415 media type": await post("/api/register/", "a=b", { headers: { "Content-Type": "text/plain" } }),
    "429 throttled": await throttledLogin(),
    "500 server error": await get("/api/books/", { bindings: { DB: brokenDatabase() } }),
    "200 OPTIONS metadata": await call("OPTIONS", "/api/books/"),
    "204 preflight": await call("OPTIONS", "/api/books/", undefined, {
      headers: { Origin: "http://localhost:5173", "Access-Control-Request-Method": "POST" },
    }),
    "200 docs page": await get("/api/docs/"),
  };
  return Object.fromEntries(
    await Promise.all(Object.entries(responses).map(async ([name, res]) => [name, await answer(res)])),
  );
}

describe("security headers", () => {
  // Built once for the file (only read): one registration, one task and a throttled username.
  let everyKind: Record<string, Answer>;
  beforeAll(async () => {
    const errorLog = quietErrorLog();
    try {
      everyKind = await responsesOfEveryKind();
    } finally {
      errorLog.mockRestore();
    }
  });

  it("are on every response: JSON, errors, preflights and the docs page", () => {
    for (const [name, res] of Object.entries(everyKind)) {
      expect(res.status, name).toBe(Number(name.slice(0, 3)));
      expect(res.headers.get("X-Content-Type-Options"), name).toBe("nosniff");
      expect(res.headers.get("X-Frame-Options"), name).toBe("DENY");
      expect(res.headers.get("Strict-Transport-Security"), name).toBe("max-age=31536000; includeSubDomains");
      expect(res.headers.get("Referrer-Policy"), name).toBe("no-referrer");
      expect(res.headers.has("X-Powered-By"), name).toBe(false);
      if (name !== "200 docs page") {
        expect(res.headers.get("Content-Security-Policy"), name).toBe("default-src 'none'; frame-ancestors 'none'");
      }
    }
  });

  it("say application/json on every JSON body, errors included, and hold no internals", () => {
    const { "200 docs page": _, ...json } = everyKind;
    for (const [name, { headers, body }] of Object.entries(json)) {
      if (name.startsWith("204")) {
        expect(body, name).toBe("");
        continue;
      }
      expect(headers.get("Content-Type"), name).toBe("application/json");
      expect(() => JSON.parse(body), name).not.toThrow();
      // DRF's own parse error quotes the parser, as DRF does; everything else must be free of internals.
      if (name !== "400 parse error") expect(body, name).not.toMatch(INTERNALS);
    }
  });

  it("leave a 500 with DRF's generic body, the error in the log only, and readable cross-origin", async () => {
    const log = quietErrorLog();
    const origin = { Origin: "http://localhost:5173" };
    const res = await get("/api/books/", { headers: origin, bindings: { DB: brokenDatabase() } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ detail: "A server error occurred." });
    const d1Error = expect.objectContaining({ message: expect.stringMatching(/^D1_ERROR/) });
    expect(logLines(log)).toContainEqual(expect.objectContaining({ event: "unhandled_error", error: d1Error }));
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:5173");
  });

  it("report a missing secret as misconfiguration, without naming it", async () => {
    quietErrorLog();
    const res = await get("/api/books/", { bindings: { JWT_SIGNING_KEYS: undefined } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ detail: "The server is misconfigured." });
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });
});

describe("Cache-Control: no-store on every response that carries a token", () => {
  it("login, refresh, verify, logout and their errors", async () => {
    const user = await registerUser();
    const pair = await login(user.username, user.password);
    const responses = {
      login: await post("/api/token/", { username: user.username, password: user.password }),
      "login refused": await post("/api/token/", { username: user.username, password: "wrong" }),
      refresh: await post("/api/token/refresh/", { refresh: pair.refresh }),
      verify: await post("/api/token/verify/", { token: pair.access }),
      "verify refused": await post("/api/token/verify/", { token: "nope" }),
      logout: await post("/api/token/blacklist/", { refresh: user.refresh }),
    };
    for (const [name, res] of Object.entries(responses)) {
      expect(res.headers.get("Cache-Control"), name).toBe("no-store");
    }
    expect(responses.login.status).toBe(200);
    expect(responses.refresh.status).toBe(200);
  });

  it("registration and password change, which answer a token pair too", async () => {
    const username = unique();
    const password = "correct horse battery staple";
    const registered = await post("/api/register/", { username, password, password_confirm: password });
    expect(registered.status).toBe(201);
    expect(registered.headers.get("Cache-Control")).toBe("no-store");
    const { access } = (await registered.json()) as { access: string };

    const next = "another fine passphrase";
    const changed = await post(
      "/api/password/change/",
      { old_password: password, new_password: next, new_password_confirm: next },
      { token: access },
    );
    expect(changed.status).toBe(200);
    expect(changed.headers.get("Cache-Control")).toBe("no-store");
  });
});
