import { jwtVerify, SignJWT } from "jose";
import { nowSeconds } from "../lib/clock";
import type { Config } from "../lib/config";
import { serverKeys } from "./server-keys";

// Tokens this server issues only to read them back itself: a device token, an MFA challenge. They are
// JWTs signed under a key of their own (services/server-keys.ts), never the key set's, so no verifier
// of the API's tokens — with the JWKS or otherwise — can take one for an access token; and each is
// explicitly typed (RFC 8725 §3.11) and names its account by `uid`, never `sub`.

export type OwnTokenType = "device+jwt" | "mfa-challenge+jwt";

/** `claims` signed as a token of `typ`, living `lifetime` seconds (`iat` and `exp` are added). */
export async function signOwnToken(
  config: Config,
  typ: OwnTokenType,
  claims: Record<string, unknown>,
  lifetime: number,
): Promise<string> {
  const { ownTokens } = await serverKeys(config);
  const iat = nowSeconds();
  return new SignJWT({ ...claims, iat, exp: iat + lifetime }).setProtectedHeader({ alg: "HS256", typ }).sign(ownTokens);
}

/** The claims of a token of `typ` that this server signed and that has not expired; null for anything else. */
export async function readOwnToken(
  config: Config,
  typ: OwnTokenType,
  raw: string | undefined,
): Promise<Record<string, unknown> | null> {
  if (!raw) return null;
  const { ownTokens } = await serverKeys(config);
  try {
    const { payload } = await jwtVerify(raw, ownTokens, { algorithms: ["HS256"], typ });
    return payload;
  } catch {
    return null;
  }
}
