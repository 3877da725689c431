import { and, eq, getTableColumns, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { preparedQuery } from "../db/client";
import { type Session, sessions, type User, users } from "../db/schema";
import type { Config } from "../lib/config";
import { accessTokenRefused, authenticationFailed } from "../lib/errors";
import { randomId } from "../lib/random-id";
import { type Assurance, issueTokenPair, PASSWORD_ONLY } from "./tokens";

// The session's columns but its id (the caller knows it), so that no two columns share a name: the
// query rides in a batch with the handler's (RequestD1.rideAlong), where rows come back as objects.
const { id: _, ...sessionColumns } = getTableColumns(sessions);

/**
 * A user and the session a token names, in one query — `session` is null if the session does not
 * exist or is not the user's. Authentication runs it on every request, so logout and password changes
 * reach access tokens without a second round trip; refresh refusals read it too.
 */
export const userWithSession = preparedQuery((db: Database) =>
  db
    .select({ user: users, session: sessionColumns })
    .from(users)
    .leftJoin(sessions, and(eq(sessions.id, sql.placeholder("sessionId")), eq(sessions.userId, users.id)))
    .where(eq(users.id, sql.placeholder("userId")))
    .prepare(),
);

export type UserWithSession = { user: User; session: Omit<Session, "id"> | null };

/**
 * simplejwt's get_user checks on an access token's account, plus ours: the session the token belongs
 * to must not have ended. The account, or the 401 to answer.
 */
export function liveAccount(row: UserWithSession | undefined): User {
  if (!row) throw authenticationFailed("User not found", { code: "user_not_found" });
  if (!row.user.isActive) throw authenticationFailed("User is inactive", { code: "user_inactive" });
  if (row.session === null || row.session.revokedAt !== null) throw accessTokenRefused("Token is blacklisted");
  return row.user;
}

/** A login session about to start: its id, first refresh jti, absolute end, client and assurance. */
export type NewSession = { id: string; jti: string; createdAt: Date; expiresAt: Date; userAgent: string } & Assurance;

/** How much of a User-Agent a session keeps: enough to tell devices apart, no more. */
const USER_AGENT_LENGTH = 256;

export function newSession(config: Config, userAgent = "", assurance: Assurance = PASSWORD_ONLY): NewSession {
  const now = Date.now();
  return {
    id: randomId(),
    jti: randomId(),
    createdAt: new Date(now),
    expiresAt: new Date(now + config.sessionLifetime * 1000),
    userAgent: userAgent.slice(0, USER_AGENT_LENGTH),
    ...assurance,
  };
}

/**
 * The session's row, unexecuted, so that callers batch it with the writes it belongs to (the new
 * user, last_login) and nothing is left half-written. `userId` may be a subquery for a user
 * inserted in the same batch.
 */
export const insertSession = (db: Database, session: NewSession, userId: number | SQL) =>
  db.insert(sessions).values({
    id: session.id,
    userId,
    currentJti: session.jti,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    userAgent: session.userAgent,
    aal: session.aal,
    amr: session.amr,
  });

/** simplejwt's UPDATE_LAST_LOGIN, unexecuted: a login batches it with the session it starts. */
export const recordLogin = (db: Database, userId: number, at: Date) =>
  db.update(users).set({ lastLogin: at }).where(eq(users.id, userId));

/** The session's first refresh token and an access token minted from it. */
export const sessionTokens = (config: Config, userId: number, session: NewSession) =>
  issueTokenPair(config, userId, session, session.jti);
