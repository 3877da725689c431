import { and, eq, fillPlaceholders, isNull, sql } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { RequestD1, RequestStatement } from "./request-d1";
import { sessions, users } from "./schema";

// The check migrations/0003_session_guard.sql's view and trigger run: inserting a false `live` aborts
// the batch it is in. Written once, here, for the write guard of middleware/d1-session.ts.
const GUARD = new SQLiteAsyncDialect().sqlToQuery(
  sql`insert into session_guard (live) select exists (select 1 from ${users} inner join ${sessions} on ${and(
    eq(sessions.userId, users.id),
    eq(sessions.id, sql.placeholder("sessionId")),
    isNull(sessions.revokedAt),
  )} where ${and(eq(users.id, sql.placeholder("userId")), eq(users.isActive, true))})`,
);

/** The statement that lets a batch write only while the user is active and the session live. */
export const sessionGuard = (d1: RequestD1, ids: { userId: number; sessionId: string }): RequestStatement =>
  d1.prepare(GUARD.sql).bind(...fillPlaceholders(GUARD.params, ids));
