import { Secret, TOTP } from "otpauth";
import { expect } from "vitest";
import { call, post } from "./http";
import type { TestUser } from "./users";

/** What an authenticator app shows for `secret` (Base32) at `at` (ms): RFC 6238's SHA-1, 6 digits, 30 s. */
export const totpCode = (secret: string, at = Date.now()) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), digits: 6, period: 30, timestamp: at });

/** The cookies a response sets, as a Cookie header would send them back (`__Host-device=…; __Host-mfa=…`). */
export function cookiesOf(res: Response, also = ""): string {
  const set = res.headers.getSetCookie().map((line) => line.split(";")[0]!);
  return [...set, ...(also ? [also] : [])].join("; ");
}

export type MfaUser = TestUser & { secret: string; recoveryCodes: string[] };

/**
 * `user` with TOTP on: enrolled, confirmed with the code of now, its recovery codes and its new (aal2)
 * token pair in place of the old ones (confirming ends every other session).
 */
export async function enableMfa(user: TestUser, at = Date.now()): Promise<MfaUser> {
  const enrolled = await post("/api/mfa/totp/", undefined, { token: user.access });
  expect(enrolled.status, await enrolled.clone().text()).toBe(201);
  const { secret } = (await enrolled.json()) as { secret: string };
  const res = await post("/api/mfa/totp/confirm/", { code: totpCode(secret, at) }, { token: user.access });
  expect(res.status, await res.clone().text()).toBe(200);
  const body = (await res.json()) as { recovery_codes: string[]; access: string; refresh: string };
  return { ...user, secret, recoveryCodes: body.recovery_codes, access: body.access, refresh: body.refresh };
}

/** A password login of an account with a second factor: its challenge, and the cookie it is bound to. */
export async function challenge(user: Pick<TestUser, "username" | "password">, cookie = "") {
  const res = await call(
    "POST",
    "/api/token/",
    { username: user.username, password: user.password },
    { headers: cookie ? { Cookie: cookie } : {} },
  );
  expect(res.status, await res.clone().text()).toBe(200);
  const body = (await res.json()) as { mfa_required: true; ephemeral_token: string };
  return { token: body.ephemeral_token, cookie: cookiesOf(res, cookie), body };
}

/** POST /api/mfa/verify/ with a challenge's token and its cookie. */
export const verifyMfa = (ephemeralToken: string, code: string, cookie: string) =>
  call("POST", "/api/mfa/verify/", { ephemeral_token: ephemeralToken, code }, { headers: { Cookie: cookie } });
