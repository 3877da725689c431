import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { sessions, users } from "../db/schema";
import { nowSeconds } from "../lib/clock";
import type { Config } from "../lib/config";
import { authenticationFailed, nonFieldError } from "../lib/errors";
import { randomId } from "../lib/random-id";
import { liveAccount, userWithSession } from "./sessions";
import { issueTokenPair, type TokenClaims, type TokenPair, userIdOf } from "./tokens";

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

/** The session a token belongs to, and only as the user it names. */
const sessionIs = (claims: TokenClaims) =>
  and(eq(sessions.id, claims.fam), eq(sessions.userId, Number(claims.user_id)));

/**
 * Rotates a refresh token: one conditional UPDATE on the session's row that succeeds only if the token
 * is still the session's current one, the session is live and the user active. Of any number of
 * concurrent calls with one token exactly one can match, so exactly one child is ever minted.
 */
export async function rotateRefreshToken(db: Database, config: Config, claims: TokenClaims): Promise<TokenPair> {
  const now = new Date();
  const childJti = randomId();
  const rotated = await db
    .update(sessions)
    .set({ currentJti: childJti, previousJti: claims.jti, rotatedAt: now })
    .where(
      and(
        sessionIs(claims),
        eq(sessions.currentJti, claims.jti),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
        sql`exists (select 1 from ${users} where ${users.id} = ${sessions.userId} and ${users.isActive} = 1)`,
      ),
    )
    .returning({ expiresAt: sessions.expiresAt, aal: sessions.aal, amr: sessions.amr })
    .get();
  if (!rotated) throw await refusal(db, claims, now);
  // The session keeps the level it was started with.
  return issueTokenPair(config, Number(claims.user_id), { id: claims.fam, ...rotated }, childJti);
}

/** Logout: ends the refresh token's session, which also refuses every access token minted in it. */
export async function revokeSession(db: Database, claims: TokenClaims): Promise<void> {
  const now = new Date();
  const revoked = await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(sessionIs(claims), eq(sessions.currentJti, claims.jti), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id })
    .get();
  if (!revoked) throw await refusal(db, claims, now);
}

/** Every session of the user ends (a password change, logout everywhere). Unexecuted: batch it, or await it. */
export const revokeAllSessions = (db: Database, userId: number, now = new Date()) =>
  db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));

/** The token's user and session, as authentication reads them. */
const sessionOf = (db: Database, claims: TokenClaims) =>
  userWithSession.get(db, { userId: Number(claims.user_id), sessionId: claims.fam });

/**
 * Why D1 refused the token, in simplejwt's words. A token that was already rotated away is a
 * replay (RFC 9700 §4.14.2): the whole session is revoked, the newest token included, unless it is
 * the token replaced moments ago (a lost race, see CONCURRENT_REFRESH_WINDOW_MS).
 */
async function refusal(db: Database, claims: TokenClaims, now: Date): Promise<RefreshRefused> {
  const row = await sessionOf(db, claims);
  if (!row?.user.isActive) return new RefreshRefused("No active account found for the given token.");
  const session = row.session;
  if (!session || session.revokedAt) return new RefreshRefused("Token is blacklisted");
  if (session.currentJti !== claims.jti) {
    const lostRace =
      session.previousJti === claims.jti &&
      session.rotatedAt !== null &&
      now.getTime() - session.rotatedAt.getTime() < CONCURRENT_REFRESH_WINDOW_MS;
    if (!lostRace) {
      await db.update(sessions).set({ revokedAt: now }).where(eq(sessions.id, claims.fam));
    }
    return new RefreshRefused("Token is blacklisted");
  }
  return new RefreshRefused("Token is expired"); // the session outlived its absolute lifetime
}

/**
 * simplejwt's verify, refusing what authentication refuses: an id that names no account, an inactive
 * account (both 401, as authentication words them), a token of an ended session or, for a refresh
 * token, one rotated away (simplejwt's 400 "Token is blacklisted").
 */
export async function checkTokenState(db: Database, blacklist: KVNamespace, claims: TokenClaims): Promise<void> {
  const userId = userIdOf(claims);
  if (userId === null) {
    throw authenticationFailed("Token contained no recognizable user identification", { code: "token_not_valid" });
  }
  const [known, row] = await Promise.all([
    knownRevoked(blacklist, claims),
    userWithSession.get(db, { userId, sessionId: claims.fam }),
  ]);
  if (!row?.user.isActive) liveAccount(row);
  const session = row!.session;
  const rotatedAway = claims.token_type === "refresh" && session?.currentJti !== claims.jti;
  if (known === true || !session || session.revokedAt || rotatedAway) throw nonFieldError("Token is blacklisted");
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
  const ttl = Math.max(KV_MIN_TTL, claims.exp - nowSeconds());
  try {
    await blacklist.put(claims.jti, JSON.stringify({ fam: claims.fam, exp: claims.exp }), { expirationTtl: ttl });
  } catch (e) {
    // D1 decided and keeps deciding; the mirror only spares later verifies a query.
    console.error("KV blacklist not written", e);
  }
}
