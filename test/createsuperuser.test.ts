import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { insertSuperuserSql, takenSql } from "../scripts/superuser-sql";
import { hashPassword, verifyPassword } from "../src/services/passwords";
import { get, login, STRONG_PASSWORD, unique } from "./helpers";

// scripts/createsuperuser.mjs hashes with src/services/passwords.ts and runs these statements through
// `wrangler d1 execute`; here the same statements run against the test D1, and the account is then
// used through the API.

async function createSuperuser(username: string, email = "") {
  const passwordHash = await hashPassword(STRONG_PASSWORD);
  const sql = insertSuperuserSql({ username, email, passwordHash, dateJoined: new Date() });
  return { passwordHash, rows: (await env.DB.prepare(sql).all<{ id: number }>()).results };
}

describe("createsuperuser", () => {
  it("writes an active staff superuser that can log in and administer users", async () => {
    const username = unique("admin");
    const { passwordHash, rows } = await createSuperuser(username, "admin@example.com");
    expect(rows).toEqual([{ id: expect.any(Number) }]);
    expect(passwordHash).toMatch(/^pbkdf2_sha256\$100000\$[A-Za-z0-9]{24}\$[A-Za-z0-9+/]{43}=$/);
    expect(await verifyPassword(STRONG_PASSWORD, passwordHash)).toBe(true);

    const { access } = await login(username, STRONG_PASSWORD);
    const me = await get("/api/users/me/", { token: access });
    expect(await me.json()).toMatchObject({
      username,
      email: "admin@example.com",
      is_staff: true,
      is_superuser: true,
      is_active: true,
      date_joined: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect((await get("/api/users/", { token: access })).status).toBe(200);
  });

  it("quotes values: an apostrophe in the email is stored as typed, not run as SQL", async () => {
    const username = unique("admin");
    const email = "o'brien@example.com'); DROP TABLE users; --";
    await createSuperuser(username, email);
    const row = await env.DB.prepare("SELECT email FROM users WHERE username = ?").bind(username).first();
    expect(row).toEqual({ email });
  });

  it("a taken username (any case) inserts nothing and returns no row; the check query sees it, and a verified email", async () => {
    const username = unique("admin");
    const email = `${username}@example.com`;
    const free = await env.DB.prepare(takenSql(username, email)).first();
    expect(free).toEqual({ username: 0, email: 0 });
    const first = await createSuperuser(username, email);
    const second = await createSuperuser(username.toUpperCase());
    expect(second.rows).toEqual([]);
    // An unverified address is only a claim: it takes the address from nobody.
    expect(await env.DB.prepare(takenSql(unique("free"), email.toUpperCase())).first()).toEqual({
      username: 0,
      email: 0,
    });
    await env.DB.prepare("UPDATE users SET email_verified = 1 WHERE username = ?").bind(username).run();
    expect(await env.DB.prepare(takenSql(username.toUpperCase(), email.toUpperCase())).first()).toEqual({
      username: 1,
      email: 1,
    });
    expect(await env.DB.prepare(takenSql(unique("free"), "")).first()).toEqual({ username: 0, email: 0 });
    const row = await env.DB.prepare("SELECT password FROM users WHERE username = ?").bind(username).first();
    expect(row).toEqual({ password: first.passwordHash });
  });
});
