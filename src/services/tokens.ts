import { errors, jwtVerify, SignJWT } from "jose";
import { nowSeconds } from "../lib/clock";
import type { Config } from "../lib/config";
import type { ApiError } from "../lib/errors";
import { randomId } from "../lib/random-id";
import { keyFor, keyRing } from "./signing-keys";

// Tokens as simplejwt 5.5 makes them (claims token_type, exp, iat, jti, user_id as a string), plus
// `fam`: the id of the login session both tokens belong to (the table `sessions`; simplejwt calls the
// refresh tokens of one login a "family", hence the claim's name, which stays as it is on the wire).
// Like simplejwt's custom claims it is copied from the refresh token into every access token minted
// from it, as are the session's assurance: `aal` ("aal1" a password, "aal2" and a second factor) and
// `amr`, RFC 8176's method names (["pwd"], ["pwd","otp"]…).
export type TokenType = "access" | "refresh";

export type AssuranceLevel = "aal1" | "aal2";

/** How a session was started: the assurance level and RFC 8176's authentication methods. */
export type Assurance = { aal: AssuranceLevel; amr: string[] };

/** What a password alone gives (and what tokens issued before `aal` existed are taken to say). */
export const PASSWORD_ONLY: Assurance = { aal: "aal1", amr: ["pwd"] };

export type TokenClaims = {
  token_type: TokenType;
  exp: number;
  iat: number;
  jti: string;
  user_id: string;
  fam: string;
} & Assurance;

/** simplejwt's TokenError: its message is what the client is told. */
export class TokenError extends Error {
  override name = "TokenError";
}

// issueTokenPair writes String(id), as simplejwt writes str(user.id): one spelling per user, "2", never
// "02", "2.0", " 2", "+2" or "2e0", which Number() would all read as 2.
const CANONICAL_ID = /^[1-9][0-9]*$/;

/**
 * The user a token names, or null unless user_id is a canonical positive integer string (simplejwt's
 * get_user then answers "Token contained no recognizable user identification").
 */
export function userIdOf(claims: { user_id?: unknown }): number | null {
  const raw = claims.user_id;
  if (typeof raw !== "string" || !CANONICAL_ID.test(raw)) return null;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : null;
}

/**
 * Claims signed with the current key of the set, iss and aud added when configured (last, as
 * simplejwt's TokenBackend adds them). The caller gives the claims in the order they are written.
 */
export async function signClaims(config: Config, claims: Record<string, unknown>): Promise<string> {
  const { signer } = await keyRing(config);
  const payload: Record<string, unknown> = { ...claims };
  if (config.jwtAudience !== null) payload.aud = config.jwtAudience;
  if (config.jwtIssuer !== null) payload.iss = config.jwtIssuer;
  // Header members sorted, as PyJWT writes them.
  return new SignJWT(payload).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: "JWT" }).sign(signer.key);
}

function sign(config: Config, claims: TokenClaims): Promise<string> {
  // Key order as simplejwt writes it: token_type, exp, iat, jti, then the user and custom claims.
  const { token_type, exp, iat, jti, user_id, fam, aal, amr } = claims;
  return signClaims(config, { token_type, exp, iat, jti, user_id, fam, aal, amr });
}

export type TokenPair = { refresh: string; access: string; refreshClaims: TokenClaims };

/**
 * A refresh token of the session and an access token minted from it. The refresh token lives
 * REFRESH_TOKEN_LIFETIME but never past the session's absolute end.
 */
export async function issueTokenPair(
  config: Config,
  userId: number,
  session: { id: string; expiresAt: Date } & Assurance,
  jti = randomId(),
): Promise<TokenPair> {
  const iat = nowSeconds();
  const sessionEnd = Math.floor(session.expiresAt.getTime() / 1000);
  const refreshClaims: TokenClaims = {
    token_type: "refresh",
    exp: Math.min(iat + config.refreshTokenLifetime, sessionEnd),
    iat,
    jti,
    user_id: String(userId),
    fam: session.id,
    aal: session.aal,
    amr: session.amr,
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
 * Verifies the signature with the key of the token's kid in our own set, pinned to that key's alg
 * (so `none`, HS384, an HS256 token "signed" with a public key, a kid we do not hold, or a header
 * bringing its own key are all refused), then expiry, iss/aud when configured and the claims
 * simplejwt requires, and the token type when `expectedType` is given. Whether user_id names a user
 * is the caller's question (userIdOf), as it is simplejwt's get_user's.
 */
export async function decodeToken(config: Config, raw: string, expectedType: TokenType | null): Promise<TokenClaims> {
  const payload = await verifiedClaims(config, raw);
  if (typeof payload.exp !== "number") throw new TokenError("Token has no 'exp' claim");
  if (typeof payload.jti !== "string" || payload.jti === "") throw new TokenError("Token has no id");
  if (typeof payload.token_type !== "string") throw new TokenError("Token has no type");
  if (expectedType !== null && payload.token_type !== expectedType) throw new TokenError("Token has wrong type");
  if (payload.token_type !== "access" && payload.token_type !== "refresh") throw new TokenError("Token has wrong type");
  if (typeof payload.user_id !== "string" || typeof payload.fam !== "string") throw new TokenError("Token is invalid");
  return { ...(payload as TokenClaims), ...assuranceOf(payload) };
}

/** A token's assurance claims, checked; a token from before they existed says what a password alone does. */
function assuranceOf(payload: Record<string, unknown>): Assurance {
  if (payload.aal === undefined && payload.amr === undefined) return PASSWORD_ONLY;
  const amr = payload.amr;
  const valid =
    (payload.aal === "aal1" || payload.aal === "aal2") &&
    Array.isArray(amr) &&
    amr.every((method) => typeof method === "string");
  if (!valid) throw new TokenError("Token is invalid");
  return { aal: payload.aal as AssuranceLevel, amr: amr as string[] };
}

/**
 * decodeToken, with a TokenError answered as `refused(message)`: the 401 in the words of where the
 * token was read (simplejwt's authentication and its token views word it differently: lib/errors.ts).
 */
export async function decodeOrRefuse(
  config: Config,
  raw: string,
  expectedType: TokenType | null,
  refused: (message: string) => ApiError,
): Promise<TokenClaims> {
  try {
    return await decodeToken(config, raw, expectedType);
  } catch (e) {
    if (e instanceof TokenError) throw refused(e.message);
    throw e;
  }
}

/**
 * The claims of a token whose signature, expiry and iss/aud (when configured) hold; TokenError
 * otherwise. What the claims must further say is the caller's to check.
 */
export async function verifiedClaims(config: Config, raw: string): Promise<Record<string, unknown>> {
  const ring = await keyRing(config);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(
      raw,
      (header) => {
        const key = keyFor(ring, header);
        if (!key) throw new TokenError("Token is invalid");
        return key.key;
      },
      {
        algorithms: ring.algorithms,
        issuer: config.jwtIssuer ?? undefined,
        audience: config.jwtAudience ?? undefined,
        clockTolerance: config.jwtLeeway,
      },
    ));
  } catch (e) {
    if (e instanceof errors.JWTExpired) throw new TokenError("Token is expired");
    throw new TokenError("Token is invalid");
  }
  // PyJWT refuses a token issued in the future, beyond LEEWAY (ImmatureSignatureError → "Token is invalid").
  if (typeof payload.iat === "number" && payload.iat > nowSeconds() + config.jwtLeeway) {
    throw new TokenError("Token is invalid");
  }
  return payload;
}
