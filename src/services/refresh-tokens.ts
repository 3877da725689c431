import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { tokenFamilies, users } from "../db/schema";
import type { Config } from "../lib/config";
import { randomId } from "../lib/random-id";
import { userWithSession } from "./sessions";
import { issueTokenPair, type TokenClaims, type TokenPair } from "./tokens";

// D1's primary (every token view writes, so its requests' sessions start there: strongly consistent)
// decides whether a refresh token may be used; KV only mirrors what D1 already refused, for cheap reads.

/**
 * How long after a rotation the token it replaced counts as a lost race (several tabs refreshing at
 * once, a retried request) rather than a replay: it is refused, but the session is not revoked.
 */
export const CONCURRENT_REFRESH_WINDOW_MS = 10_000;

/** KV refuses TTLs under 60 s. */
const KV_MIN_TTL = 60;

/** Why a refresh token was refused. `message` is simplejwt's detail. */
export class RefreshRefused extends Error {
  constructor(message: "Token is blacklisted" | "Token is expired" | "No active account found for the given token.") {
    super(message);
  }
}

const familyIs = (claims: TokenClaims) =>
  and(eq(tokenFamilies.id, claims.fam), eq(tokenFamilies.userId, Number(claims.user_id)));

/**
 * Rotates a refresh token: one conditional UPDATE on the family row that succeeds only if the token
 * is still the family's current one, the session is live and the user active. Of any number of
 * concurrent calls with one token exactly one can match, so exactly one child is ever minted.
 */
export async function rotateRefreshToken(db: Database, config: Config, claims: TokenClaims): Promise<TokenPair> {
  const now = new Date();
  const childJti = randomId();
  const rotated = await db
    .update(tokenFamilies)
    .set({ currentJti: childJti, previousJti: claims.jti, rotatedAt: now })
    .where(
      and(
        familyIs(claims),
        eq(tokenFamilies.currentJti, claims.jti),
        isNull(tokenFamilies.revokedAt),
        gt(tokenFamilies.expiresAt, now),
        sql`exists (select 1 from ${users} where ${users.id} = ${tokenFamilies.userId} and ${users.isActive} = 1)`,
      ),
    )
    .returning({ expiresAt: tokenFamilies.expiresAt })
    .get();
  if (!rotated) throw await refusal(db, claims, now);
  return issueTokenPair(config, Number(claims.user_id), { id: claims.fam, expiresAt: rotated.expiresAt }, childJti);
}

/** Logout: ends the refresh token's session, which also refuses every access token minted in it. */
export async function revokeSession(db: Database, claims: TokenClaims): Promise<void> {
  const now = new Date();
  const revoked = await db
    .update(tokenFamilies)
    .set({ revokedAt: now })
    .where(and(familyIs(claims), eq(tokenFamilies.currentJti, claims.jti), isNull(tokenFamilies.revokedAt)))
    .returning({ id: tokenFamilies.id })
    .get();
  if (!revoked) throw await refusal(db, claims, now);
}

/** Every session of the user ends (a password change, logout everywhere). Unexecuted: batch it, or await it. */
export const revokeAllSessions = (db: Database, userId: number, now = new Date()) =>
  db
    .update(tokenFamilies)
    .set({ revokedAt: now })
    .where(and(eq(tokenFamilies.userId, userId), isNull(tokenFamilies.revokedAt)));

/**
 * Why D1 refused the token, in simplejwt's words. A token that was already rotated away is a
 * replay (RFC 9700 §4.14.2): the whole family is revoked, the newest token included, unless it is
 * the token replaced moments ago (a lost race, see CONCURRENT_REFRESH_WINDOW_MS).
 */
const sessionOf = (db: Database, claims: TokenClaims) =>
  userWithSession.get(db, { userId: Number(claims.user_id), familyId: claims.fam });

async function refusal(db: Database, claims: TokenClaims, now: Date): Promise<RefreshRefused> {
  const row = await sessionOf(db, claims);
  if (!row?.user.isActive) return new RefreshRefused("No active account found for the given token.");
  const family = row.session;
  if (!family || family.revokedAt) return new RefreshRefused("Token is blacklisted");
  if (family.currentJti !== claims.jti) {
    const lostRace =
      family.previousJti === claims.jti &&
      family.rotatedAt !== null &&
      now.getTime() - family.rotatedAt.getTime() < CONCURRENT_REFRESH_WINDOW_MS;
    if (!lostRace) {
      await db.update(tokenFamilies).set({ revokedAt: now }).where(eq(tokenFamilies.id, claims.fam));
    }
    return new RefreshRefused("Token is blacklisted");
  }
  return new RefreshRefused("Token is expired"); // the session outlived its absolute lifetime
}

/** Whether a token (access or refresh) belongs to an ended session or, for refresh, was rotated away. */
export async function isRevoked(db: Database, blacklist: KVNamespace, claims: TokenClaims): Promise<boolean> {
  if ((await knownRevoked(blacklist, claims)) === true) return true;
  const family = (await sessionOf(db, claims))?.session;
  if (!family || family.revokedAt) return true;
  return claims.token_type === "refresh" && family.currentJti !== claims.jti;
}

/** Whether KV already lists the token as refused; null when KV cannot say (it only ever saves a D1 query). */
async function knownRevoked(blacklist: KVNamespace, claims: TokenClaims): Promise<boolean | null> {
  try {
    return (await blacklist.get(claims.jti)) !== null;
  } catch (e) {
    console.error("KV blacklist unreadable, asking D1", e);
    return null;
  }
}

/** Mirrors a refused jti into KV for the rest of its life, as simplejwt's blacklist table would hold it. */
export async function blacklistInKv(blacklist: KVNamespace, claims: TokenClaims): Promise<void> {
  const ttl = Math.max(KV_MIN_TTL, claims.exp - Math.floor(Date.now() / 1000));
  try {
    await blacklist.put(claims.jti, JSON.stringify({ fam: claims.fam, exp: claims.exp }), { expirationTtl: ttl });
  } catch (e) {
    // D1 decided and keeps deciding; the mirror only spares later verifies a query.
    console.error("KV blacklist not written", e);
  }
}
