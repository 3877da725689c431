import { base64url } from "jose";
import { expect } from "vitest";

/** The claims of a JWT, unverified: for asserting what the API put in it. */
export function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split(".")[1]!;
  return JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/")));
}

/** The protected header of a JWT, unverified. */
export const headerOf = (token: string) => JSON.parse(new TextDecoder().decode(base64url.decode(token.split(".")[0]!)));

export const b64url = (value: unknown) => base64url.encode(JSON.stringify(value));

/** simplejwt's body for an access token refused by Bearer authentication. */
export const refusedAccessBody = (message = "Token is invalid") => ({
  detail: "Given token not valid for any token type",
  code: "token_not_valid",
  messages: [{ token_class: "AccessToken", token_type: "access", message }],
});

/** A 401 with simplejwt's body for an access token refused by Bearer authentication. */
export async function expectRefusedAccess(res: Response, message = "Token is invalid") {
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual(refusedAccessBody(message));
}

/** simplejwt's body for a token refused by a token view (refresh, verify, blacklist). */
export async function expectRefusedToken(res: Response, message = "Token is invalid") {
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({ detail: message, code: "token_not_valid" });
}
