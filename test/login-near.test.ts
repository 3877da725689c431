import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { call, countRows, post, registerUser, STRONG_PASSWORD, type TestUser } from "./helpers";
import { freezeClock } from "./helpers/clock";
import { recordingD1 } from "./helpers/d1-recorder";
import { cookiesOf, enableMfa, totpCode } from "./helpers/mfa";

// A login decides near the user and writes on the primary once (src/services/login.ts): these tests
// watch its D1 round trips, and put a replica behind the primary under it (LAGGING_REPLICA: the schema,
// and only the rows a test copies there).

afterEach(() => {
  return env.LAGGING_REPLICA.prepare("DELETE FROM users").run();
});

const login = (
  d1: ReturnType<typeof recordingD1>,
  body: Record<string, string>,
  headers: Record<string, string> = {},
) => call("POST", "/api/token/", body, { bindings: { DB: d1.binding }, headers });

/** Copies an account's row, as it is now, to the replica: what a replica not yet past this moment holds. */
async function replicate(user: TestUser) {
  const row = await env.DB.prepare("SELECT * FROM users WHERE id = ?").bind(user.id).first<Record<string, unknown>>();
  const columns = Object.keys(row!);
  await env.LAGGING_REPLICA.prepare(
    `INSERT INTO users (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
  )
    .bind(...Object.values(row!))
    .run();
}

const sessionsOf = async (user: TestUser) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?").bind(user.id).first<{ n: number }>())!
    .n;

describe("a login: decided near the user, written once on the primary", () => {
  it("reads the account near the user (the bookmark's replica), then writes in one batch behind the guard", async () => {
    const user = await registerUser();
    const d1 = recordingD1();
    const bookmark = "00000000-00000000-00000000-00000000000000000000000000000000";
    const res = await login(d1, { username: user.username, password: user.password }, { "x-d1-bookmark": bookmark });
    expect(res.status).toBe(200);
    expect(d1.sessions.map((s) => s.start)).toEqual([bookmark]);
    const calls = d1.calls();
    expect(calls.map((c) => c.kind)).toEqual(["raw", "batch"]);
    expect(calls[1]!.sql[0]).toMatch(/^insert into decision_guard/);
    expect(calls[1]!.sql.slice(1).map((sql) => sql.split(" ").slice(0, 3).join(" "))).toEqual([
      'insert into "sessions"',
      'update "users" set',
    ]);
  });

  it("finds an account the replica does not have yet on the primary (a registration moments ago, elsewhere)", async () => {
    const user = await registerUser();
    const d1 = recordingD1({ replica: env.LAGGING_REPLICA });
    const res = await login(d1, { username: user.username, password: user.password });
    expect(res.status).toBe(200);
    expect(d1.sessions.map((s) => s.start)).toEqual(["first-unconstrained", "first-primary"]);
  });

  it("never lets a password the primary has replaced in, and lets the new one in, whatever the replica says", async () => {
    const user = await registerUser();
    await replicate(user);
    const next = "a password set moments ago";
    const changed = await post(
      "/api/password/change/",
      { old_password: user.password, new_password: next, new_password_confirm: next },
      { token: user.access },
    );
    expect(changed.status).toBe(200);
    const before = await sessionsOf(user);
    const d1 = recordingD1({ replica: env.LAGGING_REPLICA });
    expect((await login(d1, { username: user.username, password: user.password })).status).toBe(401);
    expect(await sessionsOf(user)).toBe(before);
    expect((await login(d1, { username: user.username, password: next })).status).toBe(200);
    expect(await sessionsOf(user)).toBe(before + 1);
  });

  it("never lets an account the primary has deactivated in: 401, and nothing written", async () => {
    const user = await registerUser();
    await replicate(user);
    await env.DB.prepare("UPDATE users SET is_active = 0 WHERE id = ?").bind(user.id).run();
    const [sessions, lastLogin] = [await sessionsOf(user), await countRows("users")];
    const d1 = recordingD1({ replica: env.LAGGING_REPLICA });
    const res = await login(d1, { username: user.username, password: STRONG_PASSWORD });
    expect(res.status).toBe(401);
    expect([await sessionsOf(user), await countRows("users")]).toEqual([sessions, lastLogin]);
    const aborted = d1.calls().find((c) => c.kind === "batch");
    expect(aborted?.sql[0]).toMatch(/^insert into decision_guard/);
  });

  it("answers the challenge, and writes no session, for an account whose second factor the replica does not know of", async () => {
    const user = await registerUser();
    await replicate(user);
    const guarded = await enableMfa(user);
    const before = await sessionsOf(user);
    const d1 = recordingD1({ replica: env.LAGGING_REPLICA });
    const res = await login(d1, { username: user.username, password: user.password });
    expect([res.status, await res.json()]).toEqual([200, { mfa_required: true, ephemeral_token: expect.any(String) }]);
    expect(await sessionsOf(user)).toBe(before);
    expect(guarded.recoveryCodes).toHaveLength(10);
  });
});

describe("a second factor's login: one primary round trip too", () => {
  it("reads near the user, then spends the challenge and the code and starts the session in one batch", async () => {
    const clock = freezeClock();
    const user = await enableMfa(await registerUser());
    const started = await post("/api/token/", { username: user.username, password: user.password });
    const { ephemeral_token } = (await started.json()) as { ephemeral_token: string };
    clock.advance(30_000);
    const d1 = recordingD1();
    const res = await call(
      "POST",
      "/api/mfa/verify/",
      { ephemeral_token, code: totpCode(user.secret) },
      { bindings: { DB: d1.binding }, headers: { Cookie: cookiesOf(started) } },
    );
    expect(res.status).toBe(200);
    expect(d1.sessions.map((s) => s.start)).toEqual(["first-unconstrained"]);
    const calls = d1.calls();
    // The account and its factor in one read; then the one write, behind the guard.
    expect(calls.map((c) => c.kind)).toEqual(["batch", "batch"]);
    expect(calls[0]!.sql.every((sql) => sql.startsWith("select"))).toBe(true);
    expect(calls[1]!.sql[0]).toMatch(/^insert into decision_guard/);
    expect(calls[1]!.sql.slice(1).map((sql) => sql.split(" ").slice(0, 3).join(" "))).toEqual([
      'insert into "sessions"',
      'update "users" set',
      'insert into "spent_challenges"',
      'update "mfa_factors" set',
    ]);
  });
});
