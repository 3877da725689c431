import { describe, expect, it } from "vitest";
import {
  call,
  FORBIDDEN,
  get,
  login,
  patchUser,
  post,
  registerUser,
  rowOf,
  staffUser,
  superuser,
  type TestUser,
  UNAUTHENTICATED,
  unique,
  verifyEmailOf,
} from "./helpers";
import {
  authenticationFailures,
  type Case,
  permissionMatrix,
  refusedFor,
  type World,
} from "./helpers/permission-matrix";

type UserJson = Record<string, unknown> & { id: number };

const NOT_ALLOWED = (method: string) => ({ detail: `Method "${method}" not allowed.` });
const NO_USER = { detail: "No User matches the given query." };

const listsTheAccount = (body: unknown, w: World) => {
  const accounts = body as UserJson[];
  expect(accounts.find((u) => u.id === w.owner.id)).toMatchObject({ username: w.owner.username, is_staff: false });
  for (const account of accounts) expect(account).not.toHaveProperty("password");
};
const theAccount = (body: unknown, w: World) =>
  expect(body).toEqual({
    id: w.owner.id,
    username: w.owner.username,
    email: "",
    email_verified: false,
    first_name: "",
    last_name: "",
    is_staff: false,
    is_active: true,
    is_superuser: false,
    date_joined: expect.any(String),
    last_login: null,
  });
const renamed = (body: unknown, w: World) =>
  expect(body).toMatchObject({ id: w.owner.id, first_name: "Changed", is_staff: false });

const accounts = {
  base: "/api/users/",
  table: "users",
  // The "row" is the owner's own account.
  seed: async (owner: TestUser) => owner.id,
  bodies: {
    create: { username: "intruder", password: "correct horse battery staple" },
    update: { first_name: "Changed" },
    partial_update: { first_name: "Changed" },
  },
  isDeleted: (row: unknown) => row === null,
};

// IsAdminUser (is_staff): the account's own user is no better placed than anyone else. Accounts are
// created by registration or createsuperuser and never deleted or replaced here, so POST, PUT and
// DELETE are not routes at all — but, as in DRF, a method the view lacks is 405 only for a caller who
// passes authentication, permissions and throttles: anonymous 401, non-staff 403, staff 405.
const matrix: Case[] = [
  ["anonymous", "list", 401, UNAUTHENTICATED],
  ["anonymous", "create", 401, UNAUTHENTICATED],
  ["anonymous", "retrieve", 401, UNAUTHENTICATED],
  ["anonymous", "update", 401, UNAUTHENTICATED],
  ["anonymous", "partial_update", 401, UNAUTHENTICATED],
  ["anonymous", "delete", 401, UNAUTHENTICATED],
  ...refusedFor("owner", 403, FORBIDDEN),
  ...refusedFor("other", 403, FORBIDDEN),
  ["staff", "list", 200, listsTheAccount],
  ["staff", "create", 405, NOT_ALLOWED("POST")],
  ["staff", "retrieve", 200, theAccount],
  ["staff", "update", 405, NOT_ALLOWED("PUT")],
  ["staff", "partial_update", 200, renamed],
  ["staff", "delete", 405, NOT_ALLOWED("DELETE")],
];

permissionMatrix("admin users", accounts, matrix);
authenticationFailures("admin users", "/api/users/");

describe("admin users: listing", () => {
  it("staff see every account, newest first, and never a password hash", async () => {
    const admin = await staffUser();
    const older = await registerUser();
    const newer = await registerUser();
    const res = await get("/api/users/", { token: admin.access });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain("pbkdf2");
    const ids = (JSON.parse(text) as UserJson[]).map((u) => u.id);
    expect(ids.indexOf(newer.id)).toBeLessThan(ids.indexOf(older.id));
    expect(ids).toContain(admin.id);
  });

  it("a missing account is 404 for staff, but 403 for anyone else (permissions come first)", async () => {
    const [admin, user] = await Promise.all([staffUser(), registerUser()]);
    const missing = await get("/api/users/987654321/", { token: admin.access });
    expect([missing.status, await missing.json()]).toEqual([404, NO_USER]);
    const forbidden = await get("/api/users/987654321/", { token: user.access });
    expect([forbidden.status, await forbidden.json()]).toEqual([403, FORBIDDEN]);
  });
});

describe("admin users: changes", () => {
  it("deactivating a user makes that user's next request 401 user_inactive; reactivating restores it", async () => {
    const [admin, target] = await Promise.all([staffUser(), registerUser()]);
    const res = await patchUser(admin, target, { is_active: false });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: target.id, is_active: false });

    const next = await get("/api/users/me/", { token: target.access });
    expect(next.status).toBe(401);
    expect(await next.json()).toEqual({ detail: "User is inactive", code: "user_inactive" });
    const relogin = await post("/api/token/", { username: target.username, password: target.password });
    expect([relogin.status, await relogin.json()]).toEqual([
      401,
      { detail: "No active account found with the given credentials" },
    ]);
    const refresh = await post("/api/token/refresh/", { refresh: target.refresh });
    expect(refresh.status).toBe(401);

    await patchUser(admin, target, { is_active: "true" });
    expect((await get("/api/users/me/", { token: target.access })).status).toBe(200);
    await login(target.username, target.password);
  });

  it("granting is_staff (a superuser's decision) opens the admin endpoints to that user", async () => {
    const [admin, target] = await Promise.all([superuser(), registerUser()]);
    expect((await get("/api/users/", { token: target.access })).status).toBe(403);
    expect((await patchUser(admin, target, { is_staff: true })).status).toBe(200);
    expect((await get("/api/users/", { token: target.access })).status).toBe(200);
  });

  it("username, names and email change; password, is_superuser, id and dates in a body are ignored", async () => {
    const [admin, target] = await Promise.all([staffUser(), registerUser()]);
    const before = (await rowOf("users", target.id))!;
    const username = unique("Ada");
    const res = await patchUser(admin, target, {
      first_name: "Ada",
      last_name: "Lovelace",
      email: "ada@example.com",
      username,
      password: "pbkdf2_sha256$1$x$y",
      is_superuser: true,
      id: 1,
      date_joined: "2000-01-01T00:00:00Z",
      last_login: "2000-01-01T00:00:00Z",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: target.id, username, is_superuser: false });
    expect(await rowOf("users", target.id)).toEqual({
      ...before,
      username,
      username_key: username.toLowerCase(),
      first_name: "Ada",
      last_name: "Lovelace",
      email: "ada@example.com",
      email_verified: 0,
    });
  });

  it("an address staff set is unverified: only its owner can prove it theirs", async () => {
    const [admin, target] = await Promise.all([staffUser(), registerUser()]);
    await verifyEmailOf(target.id, `${unique("owned")}@example.com`);
    const res = await patchUser(admin, target, { email: `${unique("new")}@example.com` });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email_verified: false });
    // The same address in another case is no change: it stays verified.
    const verified = `${unique("kept")}@example.com`;
    await verifyEmailOf(target.id, verified);
    const same = await patchUser(admin, target, { email: verified.toUpperCase() });
    expect(await same.json()).toMatchObject({ email: verified.toUpperCase(), email_verified: true });
  });

  it("refuses another account's verified email or username, in any case, and changes nothing", async () => {
    const email = `${unique("taken")}@example.com`;
    const [admin, holder, target] = await Promise.all([staffUser(), registerUser({ email }), registerUser()]);
    await verifyEmailOf(holder.id, email);
    const before = await rowOf("users", target.id);
    const res = await patchUser(admin, target, { email: email.toUpperCase(), first_name: "Changed" });
    expect([res.status, await res.json()]).toEqual([400, { email: ["A user with that email already exists."] }]);
    const renamed = await patchUser(admin, target, { username: holder.username.toUpperCase(), first_name: "Changed" });
    expect([renamed.status, await renamed.json()]).toEqual([
      400,
      { username: ["A user with that username already exists."] },
    ]);
    expect(await rowOf("users", target.id)).toEqual(before);
  });

  it("lets staff give an account an address another account only claims (unverified claims block nobody)", async () => {
    const email = `${unique("claimed")}@example.com`;
    const [admin, , target] = await Promise.all([staffUser(), registerUser({ email }), registerUser()]);
    const res = await patchUser(admin, target, { email });
    expect([res.status, await res.json()]).toEqual([200, expect.objectContaining({ email, email_verified: false })]);
  });

  it("an empty PATCH changes nothing", async () => {
    const [admin, target] = await Promise.all([staffUser(), registerUser()]);
    const before = await rowOf("users", target.id);
    const res = await patchUser(admin, target, {});
    expect(res.status).toBe(200);
    expect(await rowOf("users", target.id)).toEqual(before);
  });

  it.each([
    ["bad email", { email: "not-an-email" }, { email: ["Enter a valid email address."] }],
    ["bad boolean", { is_active: "maybe" }, { is_active: ["Must be a valid boolean."] }],
    ["null flag", { is_staff: null }, { is_staff: ["This field may not be null."] }],
    [
      "long name",
      { first_name: "x".repeat(151) },
      { first_name: ["Ensure this field has no more than 150 characters."] },
    ],
  ])("%s → 400 and nothing changes", async (_, body, errors) => {
    const [admin, target] = await Promise.all([staffUser(), registerUser()]);
    const before = await rowOf("users", target.id);
    const res = await patchUser(admin, target, body);
    expect([res.status, await res.json()]).toEqual([400, errors]);
    expect(await rowOf("users", target.id)).toEqual(before);
  });

  it("a user cannot change their own flags through /api/users/me/ either", async () => {
    const user = await registerUser();
    const res = await call("PATCH", "/api/users/me/", { is_staff: true }, { token: user.access });
    expect(res.status).toBe(405);
    expect(await rowOf("users", user.id)).toMatchObject({ is_staff: 0 });
  });
});
