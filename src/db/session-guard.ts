import { and, eq, fillPlaceholders, isNull, sql } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Database } from "./client";
import type { RequestStatement } from "./request-d1";
import { tokenFamilies, users } from "./schema";

// The check migrations/0003_session_guard.sql's view and trigger run: inserting a false `live` aborts
// the batch it is in. Written once, here, for RequestD1.guardWrites.
const GUARD = new SQLiteAsyncDialect().sqlToQuery(
  sql`insert into session_guard (live) select exists (select 1 from ${users} inner join ${tokenFamilies} on ${and(
    eq(tokenFamilies.userId, users.id),
    eq(tokenFamilies.id, sql.placeholder("sessionId")),
    isNull(tokenFamilies.revokedAt),
  )} where ${and(eq(users.id, sql.placeholder("userId")), eq(users.isActive, true))})`,
);

/** The statement that lets a batch write only while the user is active and the session live. */
export const sessionGuard = (db: Database, ids: { userId: number; sessionId: string }): RequestStatement =>
  db.$client.prepare(GUARD.sql).bind(...fillPlaceholders(GUARD.params, ids));
