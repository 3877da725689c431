import { env } from "cloudflare:workers";
import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { matchingStep } from "../src/services/totp";
import {
  call,
  claimsOf,
  get,
  lastMail,
  mailTo,
  me,
  post,
  randomIp,
  registerUser,
  STRONG_PASSWORD,
  settled,
  type TestUser,
  unique,
  verifyEmailOf,
} from "./helpers";
import { aYearFromNow, freezeClock } from "./helpers/clock";
import { keyOf, signWith, testKeySet } from "./helpers/key-sets";
import { challenge, cookiesOf, enableMfa, type MfaUser, totpCode, verifyMfa } from "./helpers/mfa";
import { statusCounts } from "./helpers/throttle";

const INVALID_CODE = { code: ["Invalid code."] };
const EXPIRED = { ephemeral_token: ["This login has expired or was already answered: log in again."] };
const STEP_UP = {
  detail: "This needs a session that used your second factor: log in again with your code.",
  code: "mfa_step_up_required",
};

/** An account with TOTP on, whose clock starts at `at`. */
const mfaUser = async (at = Date.now()) => enableMfa(await registerUser(), at);

describe("TOTP (RFC 6238)", () => {
  // Appendix B: the SHA-1 seed "12345678901234567890", 8-digit codes at these times (seconds).
  const seed = Secret.fromUTF8("12345678901234567890");
  const vectors: [number, string][] = [
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ];

  it("the library computes Appendix B's vectors, and the API accepts their 6-digit codes at their steps", () => {
    for (const [seconds, expected] of vectors) {
      expect(TOTP.generate({ secret: seed, digits: 8, period: 30, timestamp: seconds * 1000 })).toBe(expected);
      expect(matchingStep(seed.base32, expected.slice(2), seconds * 1000)).toBe(Math.floor(seconds / 30));
    }
  });

  it("accepts a code one step early or late, and refuses two steps off", () => {
    const now = 1_700_000_000_000;
    const code = (offset: number) => totpCode(seed.base32, now + offset * 30_000);
    expect(matchingStep(seed.base32, code(-1), now)).toBe(Math.floor(now / 30_000) - 1);
    expect(matchingStep(seed.base32, code(1), now)).toBe(Math.floor(now / 30_000) + 1);
    expect(matchingStep(seed.base32, code(-2), now)).toBeNull();
    expect(matchingStep(seed.base32, code(2), now)).toBeNull();
    expect(matchingStep(seed.base32, "12345", now)).toBeNull();
  });
});

describe("enrolment", () => {
  it("gives a Base32 secret of 20 bytes and its otpauth URI; the first code turns MFA on, ends every other session, and answers ten recovery codes and an aal2 pair", async () => {
    const user = await registerUser();
    const other = await post("/api/token/", { username: user.username, password: user.password });
    const otherAccess = ((await other.json()) as { access: string }).access;
    const enrolled = await post("/api/mfa/totp/", undefined, { token: user.access });
    expect(enrolled.status).toBe(201);
    expect(enrolled.headers.get("Cache-Control")).toBe("no-store");
    const { secret, otpauth_uri } = (await enrolled.json()) as { secret: string; otpauth_uri: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauth_uri).toBe(
      `otpauth://totp/edge-drf-api:${user.username}?issuer=edge-drf-api&secret=${secret}&algorithm=SHA1&digits=6&period=30`,
    );
    expect(await (await get("/api/mfa/", { token: user.access })).json()).toEqual({
      enabled: false,
      totp: { confirmed: false, created_at: expect.any(String), confirmed_at: null },
      recovery_codes_remaining: 0,
    });

    const wrong = await post("/api/mfa/totp/confirm/", { code: "000000" }, { token: user.access });
    expect([wrong.status, await wrong.json()]).toEqual([400, INVALID_CODE]);
    const res = await post("/api/mfa/totp/confirm/", { code: totpCode(secret) }, { token: user.access });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { recovery_codes: string[]; access: string; refresh: string };
    expect(body.recovery_codes).toHaveLength(10);
    expect(new Set(body.recovery_codes).size).toBe(10);
    for (const code of body.recovery_codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){2}$/);
    expect(claimsOf(body.access)).toMatchObject({ aal: "aal2", amr: ["pwd", "otp"] });
    expect(claimsOf(body.refresh)).toMatchObject({ aal: "aal2", amr: ["pwd", "otp"] });
    // Every session below aal2 ended: the one it enrolled with, and the other login.
    expect((await me(user.access)).status).toBe(401);
    expect((await me(otherAccess)).status).toBe(401);
    expect(await (await get("/api/mfa/", { token: body.access })).json()).toEqual({
      enabled: true,
      totp: { confirmed: true, created_at: expect.any(String), confirmed_at: expect.any(String) },
      recovery_codes_remaining: 10,
    });
    // Stored encrypted, and the codes only as HMACs.
    const row = await env.DB.prepare("SELECT secret FROM mfa_factors WHERE user_id = ?")
      .bind(user.id)
      .first<{ secret: string }>();
    expect(row!.secret).not.toContain(secret);
    const stored = await env.DB.prepare("SELECT hash FROM recovery_codes WHERE user_id = ?")
      .bind(user.id)
      .all<{ hash: string }>();
    expect(stored.results.map((r) => r.hash)).not.toContain(body.recovery_codes[0]);
  });

  it("refuses a second enrolment while MFA is on, and a confirm without an enrolment", async () => {
    const user = await mfaUser();
    const again = await post("/api/mfa/totp/", undefined, { token: user.access });
    expect([again.status, await again.json()]).toEqual([
      400,
      { non_field_errors: ["Two-factor authentication is already on: turn it off first."] },
    ]);
    const plain = await registerUser();
    const confirm = await post("/api/mfa/totp/confirm/", { code: "123456" }, { token: plain.access });
    expect(confirm.status).toBe(400);
  });
});

describe("logging in with a second factor", () => {
  it("a password alone yields no token; password + the current code yields an aal2 pair with amr pwd, otp", async () => {
    const clock = freezeClock();
    const user = await mfaUser();
    const { body, token, cookie } = await challenge(user);
    expect(body).toEqual({ mfa_required: true, ephemeral_token: expect.any(String) });
    expect(cookie).toMatch(/__Host-mfa=/);
    clock.advance(30_000); // the enrolment used this step's code
    const res = await verifyMfa(token, totpCode(user.secret), cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const pair = (await res.json()) as { access: string; refresh: string };
    expect(claimsOf(pair.access)).toMatchObject({ aal: "aal2", amr: ["pwd", "otp"] });
    expect((await me(pair.access)).status).toBe(200);
    // Refresh keeps the session's level.
    const refreshed = await post("/api/token/refresh/", { refresh: pair.refresh });
    expect(claimsOf(((await refreshed.json()) as { access: string }).access)).toMatchObject({ aal: "aal2" });
    // The sessions list shows it.
    const sessions = (await (await get("/api/sessions/", { token: pair.access })).json()) as {
      aal: string;
      amr: string[];
    }[];
    expect(sessions).toContainEqual(expect.objectContaining({ aal: "aal2", amr: ["pwd", "otp"] }));
  });

  it("in cookie mode, the verify answers the access token and sets the refresh token as __Host-refresh", async () => {
    const clock = freezeClock();
    const user = await mfaUser();
    const { token, cookie } = await challenge(user);
    clock.advance(30_000);
    const res = await call(
      "POST",
      "/api/mfa/verify/",
      { ephemeral_token: token, code: totpCode(user.secret) },
      { headers: { Cookie: cookie, "X-Token-Transport": "cookie", Origin: "http://localhost:5173" } },
    );
    expect(res.status).toBe(200);
    expect(Object.keys((await res.json()) as object)).toEqual(["access"]);
    const refresh = res.headers.getSetCookie().find((c) => c.startsWith("__Host-refresh="))!;
    expect(refresh).toMatch(/HttpOnly/);
    const value = refresh.split(";")[0]!.slice("__Host-refresh=".length);
    expect(claimsOf(value)).toMatchObject({ token_type: "refresh", aal: "aal2" });
  });

  it("refuses the same code a second time within its step, even under a fresh challenge (RFC 6238 §5.2)", async () => {
    const clock = freezeClock();
    const user = await mfaUser();
    clock.advance(30_000);
    const code = totpCode(user.secret);
    const first = await challenge(user);
    expect((await verifyMfa(first.token, code, first.cookie)).status).toBe(200);
    const second = await challenge(user);
    const again = await verifyMfa(second.token, code, second.cookie);
    expect([again.status, await again.json()]).toEqual([400, INVALID_CODE]);
    // An earlier step's code, still within ±1, is refused too: steps only move forward.
    const earlier = await verifyMfa(second.token, totpCode(user.secret, Date.now() - 30_000), second.cookie);
    expect(earlier.status).toBe(400);
    clock.advance(30_000);
    expect((await verifyMfa(second.token, totpCode(user.secret), second.cookie)).status).toBe(200);
  });

  it("of concurrent verifies with one code, exactly one logs in", async () => {
    const clock = freezeClock();
    const user = await mfaUser();
    clock.advance(30_000);
    const code = totpCode(user.secret);
    const challenges = await Promise.all(Array.from({ length: 5 }, () => challenge(user)));
    const results = await Promise.all(challenges.map((ch) => verifyMfa(ch.token, code, ch.cookie)));
    expect(statusCounts(results)).toEqual({ 200: 1, 400: 4 });
  });

  it("each recovery code works once, also under concurrent use, and its use mails the owner how many remain", async () => {
    const user = await mfaUser();
    const email = `${unique("mfa")}@example.com`;
    await verifyEmailOf(user.id, email);
    const [code] = user.recoveryCodes;
    const challenges = await Promise.all(Array.from({ length: 4 }, () => challenge(user)));
    const results = await Promise.all(challenges.map((ch) => verifyMfa(ch.token, code!.toUpperCase(), ch.cookie)));
    expect(statusCounts(results)).toEqual({ 200: 1, 400: 3 });
    const used = await challenge(user);
    expect(await (await verifyMfa(used.token, code!, used.cookie)).json()).toEqual(INVALID_CODE);
    // Typed without its hyphens, another code works.
    const next = await challenge(user);
    const res = await settled(
      "POST",
      "/api/mfa/verify/",
      {
        ephemeral_token: next.token,
        code: user.recoveryCodes[1]!.replaceAll("-", " "),
      },
      { headers: { Cookie: next.cookie } },
    );
    expect(res.status).toBe(200);
    const notice = await lastMail(email, "A recovery code was used");
    expect(notice.text).toContain("8 unused codes remain");
  });

  it("the challenge works once, for five minutes, from the client that got it", async () => {
    const clock = freezeClock();
    const user = await mfaUser();
    clock.advance(30_000);
    const { token, cookie } = await challenge(user);
    const withoutCookie = await verifyMfa(token, totpCode(user.secret), "");
    expect([withoutCookie.status, await withoutCookie.json()]).toEqual([400, EXPIRED]);
    const otherClient = await challenge(user);
    expect((await verifyMfa(token, totpCode(user.secret), otherClient.cookie)).status).toBe(400);
    expect((await verifyMfa(token, totpCode(user.secret), cookie)).status).toBe(200);
    clock.advance(30_000);
    expect(await (await verifyMfa(token, totpCode(user.secret), cookie)).json()).toEqual(EXPIRED);

    const late = await challenge(user);
    clock.advance(300_001);
    expect(await (await verifyMfa(late.token, totpCode(user.secret), late.cookie)).json()).toEqual(EXPIRED);
  });

  it("bounds wrong codes per account across every client, without locking the owner's known devices out", async () => {
    const clock = freezeClock(aYearFromNow());
    const user = await mfaUser();
    // The owner's phone: a known device (its cookie from the login that enrolled).
    const ownerLogin = await challenge(user);
    const ownerDevice = await verifyMfa(ownerLogin.token, user.recoveryCodes[0]!, ownerLogin.cookie);
    const device = cookiesOf(ownerDevice)
      .split("; ")
      .find((c) => c.startsWith("__Host-device="))!;
    // mfa: 10 an hour from unknown clients, whatever their addresses.
    const guesses = [];
    for (let i = 0; i < 11; i++) {
      const ch = await challenge(user);
      guesses.push(await verifyMfa(ch.token, String(100000 + i), ch.cookie));
    }
    expect(statusCounts(guesses)).toEqual({ 400: 10, 429: 1 });
    const fromOwner = await challenge(user, device);
    clock.advance(30_000); // past the step the enrolment used
    const res = await verifyMfa(fromOwner.token, totpCode(user.secret), fromOwner.cookie);
    expect(res.status).toBe(200);
  });

  it("refuses a challenge once the password changed", async () => {
    const user = await mfaUser();
    const ch = await challenge(user);
    await env.DB.prepare("UPDATE users SET password = 'pbkdf2_sha256$100000$x$y' WHERE id = ?").bind(user.id).run();
    expect(await (await verifyMfa(ch.token, user.recoveryCodes[0]!, ch.cookie)).json()).toEqual(EXPIRED);
  });
});

describe("step-up: with MFA on, account takeovers need aal2", () => {
  /** An access token of an aal1 session of `user` (one that survived: a session started before MFA was on). */
  async function aal1Token(user: MfaUser) {
    const sessionId = unique("s").replaceAll(/[^a-z0-9]/g, "");
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO sessions (id, user_id, current_jti, created_at, expires_at, aal, amr) VALUES (?, ?, 'j', ?, ?, 'aal1', '[\"pwd\"]')",
    )
      .bind(sessionId, user.id, now, now + 86_400_000)
      .run();
    const iat = Math.floor(now / 1000);
    const claims = {
      token_type: "access",
      exp: iat + 300,
      iat,
      jti: unique("j"),
      user_id: String(user.id),
      fam: sessionId,
      aal: "aal1",
      amr: ["pwd"],
    };
    return signWith(keyOf(testKeySet(), "current"), claims);
  }

  it("an aal1 token cannot change the password or the email, turn MFA off, or regenerate codes: 403 mfa_step_up_required", async () => {
    const user = await mfaUser();
    const token = await aal1Token(user);
    expect((await me(token)).status).toBe(200);
    const attempts = [
      post(
        "/api/password/change/",
        { old_password: STRONG_PASSWORD, new_password: "x new passphrase", new_password_confirm: "x new passphrase" },
        { token },
      ),
      post("/api/email/change/", { email: "thief@example.com", password: STRONG_PASSWORD }, { token }),
      post("/api/mfa/recovery-codes/", undefined, { token }),
    ];
    for (const res of [
      ...(await Promise.all(attempts)),
      await call("DELETE", "/api/mfa/totp/", undefined, { token }),
    ]) {
      expect([res.status, await res.json()]).toEqual([403, STEP_UP]);
    }
    // An aal2 token can.
    const codes = await post("/api/mfa/recovery-codes/", undefined, { token: user.access });
    expect(codes.status).toBe(200);
    expect(((await codes.json()) as { recovery_codes: string[] }).recovery_codes).toHaveLength(10);
  });

  it("turning MFA off (at aal2) lets a password log in again, and mails a notice", async () => {
    const user = await mfaUser();
    const email = `${unique("off")}@example.com`;
    await verifyEmailOf(user.id, email);
    const off = await settled("DELETE", "/api/mfa/totp/", undefined, { token: user.access });
    expect(off.status).toBe(204);
    const login = await post("/api/token/", { username: user.username, password: user.password });
    expect(claimsOf(((await login.json()) as { access: string }).access)).toMatchObject({ aal: "aal1", amr: ["pwd"] });
    expect((await mailTo(email)).map((m) => m.subject)).toContain("Two-factor authentication is off");
  });
});

describe("tokens without aal (issued before it existed)", () => {
  it("authenticate as aal1 with amr pwd", async () => {
    const user: TestUser = await registerUser();
    const { aal: _a, amr: _m, ...old } = claimsOf(user.access);
    const token = await signWith(keyOf(testKeySet(), "current"), old);
    expect((await me(token)).status).toBe(200);
    const res = await post("/api/mfa/recovery-codes/", undefined, { token, ip: randomIp() });
    // Not a step-up refusal: this account has no second factor (and so no codes).
    expect([res.status, await res.json()]).toEqual([
      400,
      { non_field_errors: ["Two-factor authentication is off: there are no recovery codes."] },
    ]);
  });
});
