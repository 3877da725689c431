import { errors, jwtVerify, SignJWT } from "jose";
import type { Config } from "../lib/config";
import { perObject } from "../lib/per-object";
import { randomId } from "../lib/random-id";

// Tokens as simplejwt 5.5 makes them (claims token_type, exp, iat, jti, user_id as a string), plus
// `fam`: the id of the login session (token family) both tokens belong to. Like simplejwt's custom
// claims it is copied from the refresh token into every access token minted from it.
export type TokenType = "access" | "refresh";

export type TokenClaims = {
  token_type: TokenType;
  exp: number;
  iat: number;
  jti: string;
  user_id: string;
  fam: string;
};

/** simplejwt's TokenError: its message is what the client is told. */
export class TokenError extends Error {
  override name = "TokenError";
}

const ALGORITHM = "HS256";

export const nowSeconds = () => Math.floor(Date.now() / 1000);

// Importing the HMAC key once per isolate instead of on every sign and verify.
const hmacKey = perObject(
  (config: Config): Promise<CryptoKey> =>
    crypto.subtle.importKey("raw", config.jwtKey, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
);

async function sign(config: Config, claims: TokenClaims): Promise<string> {
  // Key order as simplejwt writes it: token_type, exp, iat, jti, then the user and custom claims.
  const { token_type, exp, iat, jti, user_id, fam } = claims;
  return new SignJWT({ token_type, exp, iat, jti, user_id, fam })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .sign(await hmacKey(config));
}

export type TokenPair = { refresh: string; access: string; refreshClaims: TokenClaims };

/**
 * A refresh token for the family and an access token minted from it. The refresh token lives
 * REFRESH_TOKEN_LIFETIME but never past the family's absolute end.
 */
export async function issueTokenPair(
  config: Config,
  userId: number,
  family: { id: string; expiresAt: Date },
  jti = randomId(),
): Promise<TokenPair> {
  const iat = nowSeconds();
  const familyEnd = Math.floor(family.expiresAt.getTime() / 1000);
  const refreshClaims: TokenClaims = {
    token_type: "refresh",
    exp: Math.min(iat + config.refreshTokenLifetime, familyEnd),
    iat,
    jti,
    user_id: String(userId),
    fam: family.id,
  };
  const accessClaims: TokenClaims = {
    ...refreshClaims,
    token_type: "access",
    exp: iat + config.accessTokenLifetime,
    jti: randomId(),
  };
  const [refresh, access] = await Promise.all([sign(config, refreshClaims), sign(config, accessClaims)]);
  return { refresh, access, refreshClaims };
}

/**
 * Verifies signature (HS256 only: `none`, HS384/HS512 and asymmetric algorithms are refused),
 * expiry and the claims simplejwt requires, and, when `expectedType` is given, the token type.
 */
export async function decodeToken(config: Config, raw: string, expectedType: TokenType | null): Promise<TokenClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(raw, await hmacKey(config), { algorithms: [ALGORITHM] }));
  } catch (e) {
    if (e instanceof errors.JWTExpired) throw new TokenError("Token is expired");
    throw new TokenError("Token is invalid");
  }
  const now = nowSeconds();
  // PyJWT refuses a token issued in the future (ImmatureSignatureError → "Token is invalid").
  if (typeof payload.iat === "number" && payload.iat > now) throw new TokenError("Token is invalid");
  if (typeof payload.exp !== "number") throw new TokenError("Token has no 'exp' claim");
  if (typeof payload.jti !== "string" || payload.jti === "") throw new TokenError("Token has no id");
  if (typeof payload.token_type !== "string") throw new TokenError("Token has no type");
  if (expectedType !== null && payload.token_type !== expectedType) throw new TokenError("Token has wrong type");
  if (payload.token_type !== "access" && payload.token_type !== "refresh") throw new TokenError("Token has wrong type");
  if (typeof payload.user_id !== "string" || typeof payload.fam !== "string") throw new TokenError("Token is invalid");
  return payload as TokenClaims;
}
