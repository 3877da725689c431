import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { RateLimiter } from "../src/durable-objects/rate-limiter";
import { LIMITER_TIMEOUT_MS } from "../src/services/limiter";
import {
  type CallOptions,
  call,
  countRows,
  get,
  post,
  randomIp,
  registerUser,
  rowOf,
  STRONG_PASSWORD,
  unique,
} from "./helpers";
import { type Fault, recordingD1 } from "./helpers/d1-recorder";
import { loggedErrorMessages } from "./helpers/log-lines";

/** The Worker's error log, kept out of the test output: failures must go there, not to the client. */
const errorLog = () => vi.spyOn(console, "error").mockImplementation(() => {});

const INTERNALS = /D1_ERROR|SQLITE|Network|overloaded|stack|\bat \w|\.ts\b|Error:|R2|KV/i;
const DB_UNAVAILABLE = { detail: "The database is temporarily unavailable, please try again later." };

/** What D1 throws when it cannot answer, as production reports it. */
const D1_ERRORS = [
  "D1_ERROR: Network connection lost.",
  "D1 DB is overloaded. Too many requests queued.",
  "D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.",
];

const failing = (fault: Fault) => ({ DB: recordingD1({ fault }).binding }) as Partial<Env>;
const always =
  (message: string): Fault =>
  () =>
    new Error(message);
/** Fails the round trips that write (an INSERT, UPDATE or DELETE among their statements). */
const writesFail =
  (message: string): Fault =>
  (sql) =>
    sql.some((s) => /^\s*(insert|update|delete)/i.test(s)) ? new Error(message) : null;

async function expectUnavailable(res: Response, body: unknown) {
  const text = await res.text();
  expect(res.status, text).toBe(503);
  expect(JSON.parse(text)).toEqual(body);
  expect(text).not.toMatch(INTERNALS);
  expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
}

describe("D1 unavailable", () => {
  it.each(D1_ERRORS)("answers 503 with Retry-After and no internals: %s", async (message) => {
    const log = errorLog();
    const user = await registerUser();
    const bindings = failing(always(message));
    const requests: [string, string, unknown, CallOptions][] = [
      ["GET", "/api/books/", undefined, {}],
      ["GET", "/api/tasks/", undefined, { token: user.access }],
      ["GET", "/api/users/me/", undefined, { token: user.access }],
      ["POST", "/api/tasks/", { title: "t" }, { token: user.access }],
      ["POST", "/api/token/", { username: user.username, password: user.password }, {}],
      ["POST", "/api/token/refresh/", { refresh: user.refresh }, {}],
      ["OPTIONS", "/api/tasks/", undefined, { token: user.access }],
    ];
    for (const [method, path, body, options] of requests) {
      await expectUnavailable(await call(method, path, body, { ...options, bindings }), DB_UNAVAILABLE);
    }
    expect(loggedErrorMessages(log)).toContainEqual(expect.stringContaining(message));
  });

  it("leaves nothing half-written: a registration whose batch fails creates no user and no session", async () => {
    errorLog();
    const username = unique();
    const [users, sessions] = [await countRows("users"), await countRows("sessions")];
    const res = await post(
      "/api/register/",
      { username, password: STRONG_PASSWORD, password_confirm: STRONG_PASSWORD },
      { bindings: failing(writesFail(D1_ERRORS[0]!)) },
    );
    await expectUnavailable(res, DB_UNAVAILABLE);
    expect([await countRows("users"), await countRows("sessions")]).toEqual([users, sessions]);
  });

  it("a password change that cannot be written changes nothing: old password, old sessions", async () => {
    errorLog();
    const user = await registerUser();
    const before = await rowOf("users", user.id);
    const res = await post(
      "/api/password/change/",
      {
        old_password: user.password,
        new_password: "another long passphrase",
        new_password_confirm: "another long passphrase",
      },
      { token: user.access, bindings: failing(writesFail(D1_ERRORS[1]!)) },
    );
    await expectUnavailable(res, DB_UNAVAILABLE);
    expect(await rowOf("users", user.id)).toEqual(before);
    expect((await get("/api/users/me/", { token: user.access })).status).toBe(200);
    expect((await post("/api/token/refresh/", { refresh: user.refresh })).status).toBe(200);
  });
});

/** The limiter binding replaced by one whose objects never answer, or fail at once. */
function brokenLimiter(kind: "hang" | "fail") {
  const call = () =>
    kind === "hang"
      ? new Promise<never>(() => {})
      : Promise.reject(new Error("Durable Object reset because its code was updated."));
  const stub = { hit: call, forget: call } as unknown as DurableObjectStub<RateLimiter>;
  return vi.spyOn(env.RATE_LIMITER, "get").mockReturnValue(stub);
}

describe("rate limiter unavailable", () => {
  it("a hung limiter does not hang the request: after the timeout other routes let it through, logged", async () => {
    const log = errorLog();
    const user = await registerUser();
    brokenLimiter("hang");
    const started = Date.now();
    const res = await get("/api/tasks/", { token: user.access });
    expect(res.status).toBe(200);
    expect(res.headers.has("RateLimit")).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(LIMITER_TIMEOUT_MS - 50);
    expect(log).toHaveBeenCalledWith(expect.stringContaining("request let through unthrottled"), expect.anything());
  });

  it.each(["hang", "fail"] as const)(
    "login fails closed (%s): 503 with Retry-After, no password checked",
    async (kind) => {
      errorLog();
      const user = await registerUser();
      const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");
      brokenLimiter(kind);
      const res = await post("/api/token/", { username: user.username, password: user.password }, { ip: randomIp() });
      await expectUnavailable(res, { detail: "Login is temporarily unavailable, please try again later." });
      expect(deriveBits).not.toHaveBeenCalled();
    },
  );
});

describe("KV unavailable", () => {
  const brokenKv = () =>
    ({
      BLACKLIST: {
        get: () => Promise.reject(new Error("KV GET failed: 503 Service Unavailable")),
        put: () => Promise.reject(new Error("KV PUT failed: 503 Service Unavailable")),
      } as unknown as KVNamespace,
    }) as Partial<Env>;

  it("never changes an answer: verify and refresh decide on D1 alone", async () => {
    const log = errorLog();
    const user = await registerUser();
    const bindings = brokenKv();
    const valid = await post("/api/token/verify/", { token: user.refresh }, { bindings });
    expect([valid.status, await valid.json()]).toEqual([200, {}]);

    const rotated = await post("/api/token/refresh/", { refresh: user.refresh }, { bindings });
    expect(rotated.status).toBe(200);
    const stale = await post("/api/token/verify/", { token: user.refresh }, { bindings });
    expect([stale.status, await stale.json()]).toEqual([400, { non_field_errors: ["Token is blacklisted"] }]);
    const reused = await post("/api/token/refresh/", { refresh: user.refresh }, { bindings });
    expect(reused.status).toBe(401);
    expect(log).toHaveBeenCalled();
  });
});

describe("R2 unavailable", () => {
  const brokenBucket = () =>
    ({
      AVATARS: {
        get: () => Promise.reject(new Error("R2 get: internal error")),
        put: () => Promise.reject(new Error("R2 put: internal error")),
        delete: () => Promise.reject(new Error("R2 delete: internal error")),
      } as unknown as R2Bucket,
    }) as Partial<Env>;
  const STORAGE_UNAVAILABLE = { detail: "File storage is temporarily unavailable, please try again later." };
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7, 7, 7]);

  it("an upload answers 503 and leaves the profile as it was; serving answers 503", async () => {
    errorLog();
    const user = await registerUser();
    const profiles = await countRows("profiles");
    const upload = await call("PUT", "/api/profiles/me/avatar/", png, {
      token: user.access,
      headers: { "Content-Type": "image/png" },
      bindings: brokenBucket(),
    });
    await expectUnavailable(upload, STORAGE_UNAVAILABLE);
    expect(await countRows("profiles")).toBe(profiles);

    const served = await call("GET", `/api/avatars/${"a".repeat(32)}.png`, undefined, { bindings: brokenBucket() });
    await expectUnavailable(served, STORAGE_UNAVAILABLE);
  });
});
