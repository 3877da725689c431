import { afterEach, describe, expect, it, vi } from "vitest";
import {
  call,
  FORBIDDEN,
  post,
  randomIp,
  registerUser,
  staffUser,
  superuser,
  type TestUser,
  unique,
  verifyEmailOf,
} from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

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
