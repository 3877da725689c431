import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { claimsOf, login, me, post, registerUser, setActive } from "./helpers";
import { freezeClock } from "./helpers/clock";
import { expectRefusedAccess } from "./helpers/tokens";

const BLACKLISTED = { detail: "Token is blacklisted", code: "token_not_valid" };
const refresh = (token: string) => post("/api/token/refresh/", { refresh: token });
const logout = (token: string) => post("/api/token/blacklist/", { refresh: token });
const verify = (token: string) => post("/api/token/verify/", { token });

async function rotate(token: string): Promise<{ access: string; refresh: string }> {
  const res = await refresh(token);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

describe("POST /api/token/refresh/ (simplejwt parity)", () => {
  it("rotates: answers a new access and refresh token in the same session", async () => {
    const user = await registerUser();
    const res = await refresh(user.refresh);
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const body = (await res.json()) as { access: string; refresh: string };
    expect(Object.keys(body)).toEqual(["access", "refresh"]);
    const [old, next] = [claimsOf(user.refresh), claimsOf(body.refresh)];
    expect(next.jti).not.toBe(old.jti);
    expect(next).toMatchObject({ token_type: "refresh", user_id: String(user.id), fam: old.fam });
    expect(claimsOf(body.access)).toMatchObject({ token_type: "access", fam: old.fam });
    expect((await me(body.access)).status).toBe(200);
  });

  it("refuses the rotated token as blacklisted", async () => {
    const user = await registerUser();
    await rotate(user.refresh);
    const res = await refresh(user.refresh);
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="api"');
    expect(await res.json()).toEqual(BLACKLISTED);
  });

  it("refuses an access token with 'Token has wrong type'", async () => {
    const user = await registerUser();
    const res = await refresh(user.access);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: "Token has wrong type", code: "token_not_valid" });
  });

  it("refuses an expired refresh token with 'Token is expired'", async () => {
    const user = await registerUser();
    freezeClock().advance(86_400 * 1000);
    const res = await refresh(user.refresh);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: "Token is expired", code: "token_not_valid" });
  });

  it("refuses the token of an inactive or deleted user", async () => {
    const [idle, gone] = await Promise.all([registerUser(), registerUser()]);
    await setActive(idle.id, false);
    await env.DB.prepare("DELETE FROM users WHERE id = ?").bind(gone.id).run();
    for (const user of [idle, gone]) {
      const res = await refresh(user.refresh);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ detail: "No active account found for the given token." });
    }
  });

  it("requires the refresh field", async () => {
    const res = await post("/api/token/refresh/", {});
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ refresh: ["This field is required."] });
  });

  it("mirrors the rotated jti into the KV blacklist for the rest of its life", async () => {
    const user = await registerUser();
    await rotate(user.refresh);
    const jti = claimsOf(user.refresh).jti as string;
    await vi.waitFor(async () => expect(await env.BLACKLIST.get(jti)).not.toBeNull());
  });
});

describe("POST /api/token/verify/ and /api/token/blacklist/", () => {
  it("answers verify of a rotated refresh token with simplejwt's 400", async () => {
    const user = await registerUser();
    await rotate(user.refresh);
    const res = await verify(user.refresh);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ non_field_errors: ["Token is blacklisted"] });
  });

  it("logs out: 200 {}, then 401 blacklisted, and the session's tokens are dead", async () => {
    const user = await registerUser();
    const other = await login(user.username, user.password);
    let res = await logout(user.refresh);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    res = await logout(user.refresh);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(BLACKLISTED);
    expect((await refresh(user.refresh)).status).toBe(401);
    expect((await verify(user.access)).status).toBe(400);

    // Beyond simplejwt: the access token of the ended session is refused at once.
    await expectRefusedAccess(await me(user.access), "Token is blacklisted");
    // Another session of the same user lives on.
    expect((await me(other.access)).status).toBe(200);
    expect((await refresh(other.refresh)).status).toBe(200);
  });

  it("refuses an access token at logout with 'Token has wrong type'", async () => {
    const user = await registerUser();
    const res = await logout(user.access);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: "Token has wrong type", code: "token_not_valid" });
  });
});

describe("single use under concurrency", () => {
  // Ten rounds of 20 requests: allowed more than the default 5 s on a loaded 2-core machine.
  it("lets exactly one of 20 parallel refreshes with one token mint a child, and that child lives", {
    timeout: 30_000,
  }, async () => {
    for (let round = 0; round < 10; round++) {
      const user = await registerUser();
      const responses = await Promise.all(Array.from({ length: 20 }, () => refresh(user.refresh)));
      const winners = responses.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      for (const loser of responses.filter((r) => r.status !== 200)) {
        expect(loser.status).toBe(401);
        expect(await loser.json()).toEqual(BLACKLISTED);
      }
      const child = (await winners[0]!.json()) as { access: string; refresh: string };
      expect((await me(child.access)).status).toBe(200);
      expect((await refresh(child.refresh)).status).toBe(200);
    }
  });

  it("lets exactly one of concurrent logout and refresh win", async () => {
    for (let round = 0; round < 5; round++) {
      const user = await registerUser();
      const [out, rotated] = await Promise.all([logout(user.refresh), refresh(user.refresh)]);
      expect([out.status, rotated.status].sort()).toEqual([200, 401]);
    }
  });
});

describe("reuse detection (RFC 9700 §4.14.2)", () => {
  it("revokes the whole family when an old token comes back: RT1 and RT4 both refused", async () => {
    const user = await registerUser();
    const rt2 = await rotate(user.refresh);
    const rt3 = await rotate(rt2.refresh);
    const rt4 = await rotate(rt3.refresh);
    expect((await refresh(user.refresh)).status).toBe(401);
    const res = await refresh(rt4.refresh);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(BLACKLISTED);
    expect((await me(rt4.access)).status).toBe(401);
  });

  it("treats the just-replaced token as a lost race at first, as a replay once the race window has passed", async () => {
    const user = await registerUser();
    const rt2 = await rotate(user.refresh);
    expect((await refresh(user.refresh)).status).toBe(401);
    expect((await me(rt2.access)).status).toBe(200); // a lost race revokes nothing
    freezeClock().advance(11_000);
    expect((await refresh(user.refresh)).status).toBe(401);
    expect((await refresh(rt2.refresh)).status).toBe(401); // a replay ends the session
  });

  it("leaves the user's other sessions alone", async () => {
    const user = await registerUser();
    const other = await login(user.username, user.password);
    const rt2 = await rotate(user.refresh);
    await rotate(rt2.refresh);
    await refresh(user.refresh);
    expect((await refresh(other.refresh)).status).toBe(200);
  });
});

describe("absolute session lifetime", () => {
  it("ends a session 30 days after login however often it rotates, and caps the last token's exp", async () => {
    const user = await registerUser();
    const loginAt = claimsOf(user.refresh).iat as number;
    const sessionEnd = loginAt + 30 * 86_400;
    let token = user.refresh;
    const clock = freezeClock();
    for (let day = 1; day <= 29; day++) {
      clock.advance(86_000 * 1000); // just under a day: each token is still valid when used
      token = (await rotate(token)).refresh;
      expect(claimsOf(token).exp as number).toBeLessThanOrEqual(sessionEnd);
    }
    clock.advance(86_000 * 1000);
    const last = (await rotate(token)).refresh;
    expect(claimsOf(last).exp).toBe(sessionEnd);
    clock.advance(86_000 * 1000);
    const res = await refresh(last);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: "Token is expired", code: "token_not_valid" });
  });
});

describe("POST /api/password/change/", () => {
  const change = (access: string, body: Record<string, unknown>) =>
    post("/api/password/change/", body, { token: access });

  it("re-hashes the password, ends every session, and starts a new one for the caller", async () => {
    const user = await registerUser();
    const other = await login(user.username, user.password);
    const newPassword = "another long passphrase";
    const res = await change(user.access, {
      old_password: user.password,
      new_password: newPassword,
      new_password_confirm: newPassword,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { detail: string; access: string; refresh: string };
    expect(body.detail).toBe("Password updated successfully.");

    for (const token of [user.refresh, other.refresh]) expect((await refresh(token)).status).toBe(401);
    for (const access of [user.access, other.access]) expect((await me(access)).status).toBe(401);
    expect((await me(body.access)).status).toBe(200);
    expect((await refresh(body.refresh)).status).toBe(200);
    expect((await post("/api/token/", { username: user.username, password: user.password })).status).toBe(401);
    expect((await post("/api/token/", { username: user.username, password: newPassword })).status).toBe(200);
  });

  it("refuses a wrong old password, a weak or mismatched new one, and changes nothing", async () => {
    const user = await registerUser();
    const cases: [Record<string, unknown>, Record<string, string[]>][] = [
      [
        {
          old_password: "not my password",
          new_password: "fresh passphrase here",
          new_password_confirm: "fresh passphrase here",
        },
        { old_password: ["Your old password was entered incorrectly. Please enter it again."] },
      ],
      [
        { old_password: user.password, new_password: "password123", new_password_confirm: "password123" },
        { new_password: ["This password is too common."] },
      ],
      [
        {
          old_password: user.password,
          new_password: "fresh passphrase here",
          new_password_confirm: "fresh passphrase",
        },
        { non_field_errors: ["Passwords don't match"] },
      ],
      [
        {},
        {
          old_password: ["This field is required."],
          new_password: ["This field is required."],
          new_password_confirm: ["This field is required."],
        },
      ],
    ];
    for (const [body, errors] of cases) {
      const res = await change(user.access, body);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(errors);
    }
    expect((await me(user.access)).status).toBe(200);
    expect((await post("/api/token/", { username: user.username, password: user.password })).status).toBe(200);
  });

  it("requires authentication", async () => {
    const res = await post("/api/password/change/", {});
    expect(res.status).toBe(401);
  });
});

describe("deactivation", () => {
  it("makes every refresh of the user fail", async () => {
    const user = await registerUser();
    const other = await login(user.username, user.password);
    await setActive(user.id, false);
    for (const token of [user.refresh, other.refresh]) {
      const res = await refresh(token);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ detail: "No active account found for the given token." });
    }
  });
});
