import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { RateLimiter } from "../src/durable-objects/rate-limiter";
import { LIMITER_TIMEOUT_MS } from "../src/services/limiter";
import {
  type CallOptions,
  call,
  countRows,
  get,
  lastMail,
  linkIn,
  login,
  post,
  randomIp,
  registerUser,
  rowOf,
  STRONG_PASSWORD,
  settled,
  unique,
  verifyEmailOf,
} from "./helpers";
import { type Fault, recordingD1 } from "./helpers/d1-recorder";
import { loggedErrorMessages } from "./helpers/log-lines";
import { totpCode } from "./helpers/mfa";

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

/**
 * Fails the round trips that write to `table`. A flow that spent its key (or code) in an earlier round
 * trip than this write would leave it spent: the tests below would see it refused afterwards.
 */
const writesTo =
  (table: string): Fault =>
  (sql) =>
    sql.some((s) => new RegExp(`^\\s*(insert into|update|delete from)\\s+["\`]?${table}["\`]?\\s`, "i").test(s))
      ? new Error(D1_ERRORS[0])
      : null;

describe("account flows whose write fails change nothing, and their link or code still works", () => {
  const dbDown = (table: string) => ({ bindings: failing(writesTo(table)) });
  const NEW_PASSWORD = "a brand new passphrase";
  const keyIn = async (address: string, subject: string) => linkIn(await lastMail(address, subject)).params;

  it("a password reset's confirm: same password, same sessions, and the link works after", async () => {
    errorLog();
    const user = await registerUser();
    const email = `${unique("reset")}@example.com`;
    await verifyEmailOf(user.id, email);
    expect((await settled("POST", "/api/password/reset/", { email })).status).toBe(200);
    const { uid, token } = await keyIn(email, "Reset your password");
    const body = { uid, token, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD };
    const before = await rowOf("users", user.id);
    await expectUnavailable(
      await settled("POST", "/api/password/reset/confirm/", body, dbDown("sessions")),
      DB_UNAVAILABLE,
    );
    expect(await rowOf("users", user.id)).toEqual(before);
    expect((await get("/api/users/me/", { token: user.access })).status).toBe(200);
    expect((await settled("POST", "/api/password/reset/confirm/", body)).status).toBe(200);
  });

  it("an address's verification: still unverified, and the key works after", async () => {
    errorLog();
    const email = `${unique("verify")}@example.com`;
    const user = await registerUser({ email }, { bindings: {} }); // settled: its mail is in the outbox
    const { key } = await keyIn(email, "Confirm your email address");
    await expectUnavailable(
      await settled("POST", "/api/registration/verify-email/", { key }, dbDown("users")),
      DB_UNAVAILABLE,
    );
    expect(await rowOf("users", user.id)).toMatchObject({ email_verified: 0 });
    expect((await settled("POST", "/api/registration/verify-email/", { key })).status).toBe(200);
    expect(await rowOf("users", user.id)).toMatchObject({ email_verified: 1 });
  });

  it("an email change's last confirmation: the old address stays, and the key works after", async () => {
    errorLog();
    const user = await registerUser();
    const old = `${unique("old")}@example.com`;
    const next = `${unique("new")}@example.com`;
    await verifyEmailOf(user.id, old);
    const change = { email: next, password: STRONG_PASSWORD };
    expect((await settled("POST", "/api/email/change/", change, { token: user.access })).status).toBe(200);
    expect((await post("/api/email/change/confirm/", await keyIn(next, "Confirm your new email address"))).status).toBe(
      200,
    );
    const last = await keyIn(old, "Confirm the change of your email address");
    await expectUnavailable(await settled("POST", "/api/email/change/confirm/", last, dbDown("users")), DB_UNAVAILABLE);
    expect(await rowOf("users", user.id)).toMatchObject({ email: old, email_verified: 1 });
    expect((await settled("POST", "/api/email/change/confirm/", last)).status).toBe(200);
    expect(await rowOf("users", user.id)).toMatchObject({ email: next, email_verified: 1 });
  });

  it("turning a second factor on: still off, other sessions alive, and the same code works after", async () => {
    errorLog();
    const user = await registerUser();
    const other = await login(user.username, user.password);
    const enrolled = await post("/api/mfa/totp/", undefined, { token: user.access });
    const { secret } = (await enrolled.json()) as { secret: string };
    const code = { code: totpCode(secret) };
    const options = { token: user.access, ...dbDown("sessions") };
    await expectUnavailable(await call("POST", "/api/mfa/totp/confirm/", code, options), DB_UNAVAILABLE);
    expect(await (await get("/api/mfa/", { token: user.access })).json()).toMatchObject({ enabled: false });
    expect((await post("/api/token/refresh/", { refresh: other.refresh })).status).toBe(200);
    expect((await post("/api/mfa/totp/confirm/", code, { token: user.access })).status).toBe(200);
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
