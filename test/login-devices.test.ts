import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { describe, expect, it, vi } from "vitest";
import { initKeySet } from "../src/services/key-rotation";
import {
  call,
  claimsOf,
  FORBIDDEN,
  me,
  post,
  randomIp,
  registerUser,
  STRONG_PASSWORD,
  setActive,
  staffUser,
  superuser,
  type TestUser,
  unique,
  verifyEmailOf,
} from "./helpers";
import { envWith, keyOf, signWith, testKeySet, workerWith } from "./helpers/key-sets";
import { headerOf } from "./helpers/tokens";

const NO_ACCOUNT = { detail: "No active account found with the given credentials" };

/** A login, from a fresh address unless one is given, with a device cookie if one is given. */
const attempt = (body: Record<string, string | undefined>, device?: string, ip = randomIp()) =>
  post("/api/token/", body, { ip, headers: device ? { Cookie: `__Host-device=${device}` } : {} });

/** The device cookie a login response sets, and its attributes. */
function deviceCookie(res: Response): { value: string; attributes: string[] } {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("__Host-device="));
  expect(cookie, "a device cookie").toBeDefined();
  const [pair, ...attributes] = cookie!.split(/;\s*/);
  return { value: pair!.slice("__Host-device=".length), attributes };
}

async function knownDevice(user: TestUser): Promise<string> {
  const res = await attempt({ username: user.username, password: user.password });
  expect(res.status).toBe(200);
  return deviceCookie(res).value;
}

/** Ten wrong passwords from ten addresses, with no cookie: the budget of unknown clients is spent. */
async function lockOut(username: string) {
  for (let i = 0; i < 10; i++) expect((await attempt({ username, password: "wrong guess" })).status).toBe(401);
  expect((await attempt({ username, password: "wrong guess" })).status).toBe(429);
}

describe("brute force without lockout: device cookies", () => {
  it("a login sets a signed device cookie: __Host-, HttpOnly, Secure, SameSite=Strict, a year", async () => {
    const user = await registerUser();
    const res = await attempt({ username: user.username, password: user.password });
    const { value, attributes } = deviceCookie(res);
    expect(value.split(".")).toHaveLength(3);
    expect(attributes).toEqual(
      expect.arrayContaining(["Max-Age=31536000", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"]),
    );
    expect(attributes.some((a) => a.startsWith("Domain"))).toBe(false);
  });

  it("an attacker guessing from many addresses cannot keep the owner's known device out", async () => {
    const owner = await registerUser();
    const device = await knownDevice(owner);
    await lockOut(owner.username);
    // Unknown clients — curl, a new browser, the attacker — get 429, the right password included.
    expect((await attempt({ username: owner.username, password: owner.password })).status).toBe(429);
    // The owner's device has a budget of its own.
    const res = await attempt({ username: owner.username, password: owner.password }, device);
    expect(res.status).toBe(200);
    expect(deviceCookie(res).value).toBeTruthy();
  });

  it("a known device is bounded too: 10 wrong guesses from it, then 429 for it alone", async () => {
    const owner = await registerUser();
    const device = await knownDevice(owner);
    for (let i = 0; i < 10; i++)
      expect((await attempt({ username: owner.username, password: "nope" }, device)).status).toBe(401);
    expect((await attempt({ username: owner.username, password: owner.password }, device)).status).toBe(429);
    expect((await attempt({ username: owner.username, password: owner.password })).status).toBe(200);
  });

  it("a device cookie of another account, or anything that is not one of ours, is an unknown client, never a 500", async () => {
    const [owner, attacker] = await Promise.all([registerUser(), registerUser()]);
    const attackersDevice = await knownDevice(attacker);
    await lockOut(owner.username);
    const cookies = [attackersDevice, owner.access, owner.refresh, "garbage", `${attackersDevice}x`, "a.b.c", ""];
    for (const cookie of cookies) {
      const res = await attempt({ username: owner.username, password: owner.password }, cookie);
      expect(res.status, cookie.slice(0, 20)).toBe(429);
    }
  });

  it("counts case and width variants of a username as one account", async () => {
    const owner = await registerUser({ username: unique("Carol") });
    for (let i = 0; i < 10; i++) {
      const typed = i % 2 ? owner.username.toUpperCase() : owner.username.toLowerCase();
      expect((await attempt({ username: typed, password: "wrong" })).status).toBe(401);
    }
    expect((await attempt({ username: owner.username, password: owner.password })).status).toBe(429);
  });
});

describe("device tokens: the account by id, never an identity", () => {
  it("name the account by id, under a type of their own and no sub, signed by no key the JWKS publishes", async () => {
    const user = await registerUser();
    const token = await knownDevice(user);
    expect(headerOf(token)).toEqual({ alg: "HS256", typ: "device+jwt" });
    const claims = claimsOf(token);
    expect(claims).toEqual({
      uid: String(user.id),
      jti: expect.any(String),
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    expect(claims).not.toHaveProperty("sub");
    // As a bearer token it is refused like any forgery.
    expect((await me(token)).status).toBe(401);
    expect((await post("/api/token/verify/", { token })).status).toBe(401);
    // A service verifying the API's tokens with the published keys (an ES256 set) refuses it.
    const set = await initKeySet("ES256");
    const api = workerWith(envWith(set));
    const asymmetric = await api.call("POST", "/api/token/", { username: user.username, password: user.password });
    const device = deviceCookie(asymmetric).value;
    const jwks = createLocalJWKSet((await (await api.call("GET", "/.well-known/jwks.json")).json()) as JSONWebKeySet);
    await expect(jwtVerify(device, jwks)).rejects.toThrow();
  });

  it("after a rename, the old cookies are no device of whoever registers that name next", async () => {
    const [alice, admin] = await Promise.all([registerUser(), staffUser()]);
    const oldCookie = await knownDevice(alice);
    const renamed = await call(
      "PATCH",
      `/api/users/${alice.id}/`,
      { username: unique("alice2") },
      { token: admin.access },
    );
    expect(renamed.status).toBe(200);
    const newcomer = await registerUser({ username: alice.username });
    await lockOut(newcomer.username);
    // The old cookie names alice's account, not the newcomer's: it is an unknown client there.
    expect((await attempt({ username: newcomer.username, password: newcomer.password }, oldCookie)).status).toBe(429);
  });

  it("registration, a password change, a reset confirmation and a second factor hand one out, as a login does", async () => {
    const registered = await post("/api/register/", {
      username: unique(),
      password: STRONG_PASSWORD,
      password_confirm: STRONG_PASSWORD,
    });
    expect(deviceCookie(registered).value.split(".")).toHaveLength(3);
    const user = await registerUser();
    const next = "a brand new passphrase";
    const changed = await post(
      "/api/password/change/",
      { old_password: user.password, new_password: next, new_password_confirm: next },
      { token: user.access },
    );
    expect(claimsOf(deviceCookie(changed).value)).toMatchObject({ uid: String(user.id) });
  });
});

describe("the token views never let a cache keep an answer, 405 included; verify refuses what authentication does", () => {
  it("answers a method it does not offer with 405 and Cache-Control: no-store", async () => {
    for (const path of ["/api/token/", "/api/token/refresh/", "/api/mfa/verify/", "/api/password/reset/confirm/"]) {
      const res = await call("GET", path);
      expect([res.status, res.headers.get("Cache-Control")], path).toEqual([405, "no-store"]);
    }
  });

  it("refuses a token authentication refuses: a user_id that is not one's canonical id, an inactive account", async () => {
    const user = await registerUser();
    const claims = claimsOf(user.access);
    const key = keyOf(testKeySet(), "current");
    const padded = await signWith(key, { ...claims, user_id: `0${claims.user_id}` });
    expect((await me(padded)).status).toBe(401);
    const res = await post("/api/token/verify/", { token: padded });
    expect([res.status, await res.json()]).toEqual([
      401,
      { detail: "Token contained no recognizable user identification", code: "token_not_valid" },
    ]);
    await setActive(user.id, false);
    const inactive = await post("/api/token/verify/", { token: user.access });
    expect([inactive.status, await inactive.json()]).toEqual([
      401,
      { detail: "User is inactive", code: "user_inactive" },
    ]);
  });
});

describe("an admin clears a username's failed logins", () => {
  it("staff lift the lockout of unknown clients; the owner logs in from anywhere again", async () => {
    const [owner, admin] = await Promise.all([registerUser(), staffUser()]);
    await lockOut(owner.username);
    const res = await call("DELETE", `/api/users/${owner.id}/login-failures/`, undefined, { token: admin.access });
    expect(res.status).toBe(204);
    expect((await attempt({ username: owner.username, password: owner.password })).status).toBe(200);
  });

  it("only staff, and for a superuser only a superuser: a staff member cannot keep guessing a superuser's password", async () => {
    const [root, admin, user] = await Promise.all([superuser(), staffUser(), registerUser()]);
    const clear = (caller: TestUser | null, target: TestUser) =>
      call("DELETE", `/api/users/${target.id}/login-failures/`, undefined, { token: caller?.access });
    expect((await clear(null, root)).status).toBe(401);
    expect([(await clear(user, root)).status]).toEqual([403]);
    const refused = await clear(admin, root);
    expect([refused.status, await refused.json()]).toEqual([403, FORBIDDEN]);
    expect((await clear(root, root)).status).toBe(204);
  });
});

describe("login by username or by email", () => {
  it("takes the email in place of the username, in any case", async () => {
    const email = `${unique("Dana")}@Example.com`;
    const user = await registerUser({ email });
    await verifyEmailOf(user.id, email);
    for (const typed of [email, email.toLowerCase(), email.toUpperCase()]) {
      const res = await attempt({ email: typed, password: user.password });
      expect(res.status, typed).toBe(200);
      expect(Object.keys((await res.json()) as object)).toEqual(["refresh", "access"]);
    }
  });

  it("answers an unknown email, a wrong password and an inactive account alike, each after one password check", async () => {
    const email = `${unique("erin")}@example.com`;
    const user = await registerUser({ email });
    await verifyEmailOf(user.id, email);
    const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");
    for (const body of [
      { email: `${unique("nobody")}@example.com`, password: user.password },
      { email, password: "not the password" },
      { username: unique("nobody"), password: user.password },
    ]) {
      deriveBits.mockClear();
      const res = await attempt(body);
      expect([res.status, await res.json()]).toEqual([401, NO_ACCOUNT]);
      expect(deriveBits).toHaveBeenCalledTimes(1);
    }
  });

  it("a blank email logs nobody in, and naming neither username nor email is DRF's required-field error", async () => {
    const user = await registerUser({ email: "" });
    const blank = await attempt({ email: "", password: user.password });
    expect([blank.status, await blank.json()]).toEqual([400, { email: ["This field may not be blank."] }]);
    const neither = await attempt({ password: user.password });
    expect([neither.status, await neither.json()]).toEqual([400, { username: ["This field is required."] }]);
  });

  it("shares one budget of guesses between the username and the email of an account", async () => {
    const email = `${unique("fay")}@example.com`;
    const user = await registerUser({ email });
    await verifyEmailOf(user.id, email);
    for (let i = 0; i < 10; i++) {
      const body = i % 2 ? { email, password: "wrong" } : { username: user.username, password: "wrong" };
      expect((await attempt(body)).status).toBe(401);
    }
    expect((await attempt({ email, password: user.password })).status).toBe(429);
    expect((await attempt({ username: user.username, password: user.password })).status).toBe(429);
  });
});
