import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { claimsOf, countRows, get, post, registerUser, STRONG_PASSWORD, unique } from "./helpers";

const register = (fields: Record<string, unknown>) => post("/api/register/", fields);
const valid = (overrides: Record<string, unknown> = {}) => ({
  username: unique(),
  email: `${unique("new")}@example.com`,
  password: STRONG_PASSWORD,
  password_confirm: STRONG_PASSWORD,
  ...overrides,
});
const userRow = (username: string) =>
  env.DB.prepare("SELECT * FROM users WHERE username = ?").bind(username).first<Record<string, unknown>>();

describe("POST /api/register/", () => {
  it("creates the user and answers 201 with the user and a token pair, never the password", async () => {
    const fields = valid({ first_name: "Ada", last_name: "Lovelace" });
    const res = await register(fields);
    expect(res.status).toBe(201);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(["user", "refresh", "access"]);
    expect(body.user).toEqual({
      username: fields.username,
      email: fields.email,
      email_verified: false,
      first_name: "Ada",
      last_name: "Lovelace",
    });
    expect(JSON.stringify(body)).not.toContain(STRONG_PASSWORD);
    expect(JSON.stringify(body)).not.toContain("pbkdf2");
    const row = await userRow(fields.username);
    expect(claimsOf(body.access as string).user_id).toBe(String(row!.id));
    expect(claimsOf(body.refresh as string).token_type).toBe("refresh");
    const me = await get("/api/users/me/", { token: body.access as string });
    expect(me.status).toBe(200);
  });

  it("stores a Django-format hash with its own salt for every user", async () => {
    const [a, b] = await Promise.all([registerUser(), registerUser()]);
    const [rowA, rowB] = await Promise.all([userRow(a.username), userRow(b.username)]);
    for (const row of [rowA, rowB]) expect(row!.password).toMatch(/^pbkdf2_sha256\$100000\$[A-Za-z0-9]{24}\$/);
    expect((rowA!.password as string).split("$")[2]).not.toBe((rowB!.password as string).split("$")[2]);
  });

  it("ignores is_staff, is_superuser, is_active, id and date_joined in the body", async () => {
    const fields = valid({
      is_staff: true,
      is_superuser: true,
      is_active: false,
      id: 1,
      date_joined: "2000-01-01T00:00:00Z",
    });
    const res = await register(fields);
    expect(res.status).toBe(201);
    const row = await userRow(fields.username);
    expect(row).toMatchObject({ is_staff: 0, is_superuser: 0, is_active: 1 });
    expect(row!.id).not.toBe(1);
    expect(row!.date_joined as number).toBeGreaterThan(Date.parse("2020-01-01"));
  });

  it("accepts a registration without email (optional, as in Django)", async () => {
    const { email: _, ...fields } = valid();
    const res = await register(fields);
    expect(res.status).toBe(201);
    expect(((await res.json()) as { user: { email: string } }).user.email).toBe("");
  });

  it("reports every missing field", async () => {
    const res = await register({});
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      username: ["This field is required."],
      password: ["This field is required."],
      password_confirm: ["This field is required."],
    });
  });

  it.each([
    [
      "a password under 8 characters",
      { password: "Sh0rt!x", password_confirm: "Sh0rt!x" },
      { password: ["This password is too short. It must contain at least 8 characters."] },
    ],
    [
      "a common password",
      { password: "password123", password_confirm: "password123" },
      { password: ["This password is too common."] },
    ],
    [
      "an entirely numeric password",
      { password: "5820147395", password_confirm: "5820147395" },
      { password: ["This password is entirely numeric."] },
    ],
    ["a malformed email", { email: "not-an-email" }, { email: ["Enter a valid email address."] }],
    [
      "a username with spaces",
      { username: "two words" },
      { username: ["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."] },
    ],
    [
      "a username over 150 characters",
      { username: "u".repeat(151) },
      { username: ["Ensure this field has no more than 150 characters."] },
    ],
    ["a blank username", { username: "   " }, { username: ["This field may not be blank."] }],
    [
      "a password over 4096 characters",
      { password: "p".repeat(4097), password_confirm: "p".repeat(4097) },
      {
        password: ["Ensure this field has no more than 4096 characters."],
        password_confirm: ["Ensure this field has no more than 4096 characters."],
      },
    ],
    ["a username that is not a string", { username: ["ivan"] }, { username: ["Not a valid string."] }],
    // One message per problem: a list is no string, and that is all DRF says of it.
    ["a password confirmation that is a list", { password_confirm: [] }, { password_confirm: ["Not a valid string."] }],
    ["an email that is not text", { email: true }, { email: ["Enter a valid email address."] }],
  ])("refuses %s with DRF's message and writes nothing", async (_, overrides, errors) => {
    const before = await countRows("users");
    const res = await register(valid(overrides));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(errors);
    expect(await countRows("users")).toBe(before);
  });

  it("refuses passwords that don't match as a non-field error", async () => {
    const res = await register(valid({ password_confirm: `${STRONG_PASSWORD}!` }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ non_field_errors: ["Passwords don't match"] });
  });

  it("refuses a taken username", async () => {
    const user = await registerUser();
    const res = await register(valid({ username: user.username }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ username: ["A user with that username already exists."] });
  });

  it("lets exactly one of several concurrent registrations of one username through", async () => {
    const fields = valid();
    const responses = await Promise.all(Array.from({ length: 5 }, () => register(fields)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 400, 400, 400, 400]);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE username = ?")
      .bind(fields.username)
      .first<{ n: number }>();
    expect(rows!.n).toBe(1);
    const sessions = await env.DB.prepare(
      "SELECT count(*) AS n FROM sessions f JOIN users u ON u.id = f.user_id WHERE u.username = ?",
    )
      .bind(fields.username)
      .first<{ n: number }>();
    expect(sessions!.n).toBe(1);
  });

  it("keeps a long password whole: no trimming, no truncation", async () => {
    const password = `  ${"long passphrase ".repeat(8)} `;
    const user = await registerUser({ password });
    const login = (pw: string) => post("/api/token/", { username: user.username, password: pw });
    expect((await login(password)).status).toBe(200);
    expect((await login(password.trim())).status).toBe(401);
    expect((await login(password.slice(0, 63))).status).toBe(401);
  });

  it("never says an email is taken: another account's address is only a claim until verified (no enumeration)", async () => {
    const taken = valid();
    expect((await register(taken)).status).toBe(201);
    await env.DB.prepare("UPDATE users SET email_verified = 1 WHERE username = ?").bind(taken.username).run();
    const before = await countRows("users");
    const res = await register(valid({ email: taken.email.toUpperCase(), password: "short" }));
    // The serializer's other errors, as before; the address is no error, verified elsewhere or not.
    expect(await res.json()).toEqual({
      password: ["This password is too short. It must contain at least 8 characters."],
    });
    expect(await countRows("users")).toBe(before);
    const claim = valid({ email: taken.email.toUpperCase() });
    expect((await register(claim)).status).toBe(201);
    expect(await userRow(claim.username)).toMatchObject({ email: claim.email, email_verified: 0 });
    // A blank email is no email: any number of accounts may have none.
    expect((await register(valid({ email: "" }))).status).toBe(201);
    expect((await register(valid({ email: "" }))).status).toBe(201);
  });

  it("lets every one of several concurrent registrations of one email through, each an unverified claim", async () => {
    const email = `${unique("race")}@example.com`;
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => register(valid({ email: i % 2 ? email : email.toUpperCase() }))),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const claims = await env.DB.prepare("SELECT email_verified FROM users WHERE lower(email) = lower(?)")
      .bind(email)
      .all<{ email_verified: number }>();
    expect(claims.results).toEqual([0, 0, 0, 0].map((v) => ({ email_verified: v })));
  });
});
