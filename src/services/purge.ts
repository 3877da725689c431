import { and, inArray, isNotNull, lt, or } from "drizzle-orm";
import type { Database } from "../db/client";
import { accountTokens, sessions, tasks } from "../db/schema";
import type { Config } from "../lib/config";

/** Rows deleted per statement, and statements per run: a run stays far below D1's per-invocation limits. */
export const PURGE_BATCH = 500;
const MAX_BATCHES = 40;

const DAY_MS = 86_400_000;

/** What one run deleted. */
export type Purged = { sessions: number; tasks: number; tokens: number };

/**
 * simplejwt's flushexpiredtokens and more, for the Cron Trigger: sessions that ended (logged out,
 * revoked, replaced by a password change) or expired more than a day ago — no token of theirs can
 * be used any more, and a day of history is kept for inspection —, mailed tokens (verification,
 * reset, email change) used or expired more than a day ago, and tasks in the trash for longer than
 * TRASH_RETENTION_DAYS. In bounded batches, so a large backlog is worked off over several runs.
 */
export async function purge(db: Database, config: Config, now = Date.now()): Promise<Purged> {
  const aDayAgo = new Date(now - DAY_MS);
  const ended = or(lt(sessions.revokedAt, aDayAgo), lt(sessions.expiresAt, aDayAgo));
  const spent = or(lt(accountTokens.usedAt, aDayAgo), lt(accountTokens.expiresAt, aDayAgo));
  const trashedBefore = new Date(now - config.trashRetentionDays * DAY_MS);
  const stale = and(isNotNull(tasks.deletedAt), lt(tasks.deletedAt, trashedBefore));
  return {
    sessions: await inBatches(() =>
      db
        .delete(sessions)
        .where(inArray(sessions.id, db.select({ id: sessions.id }).from(sessions).where(ended).limit(PURGE_BATCH))),
    ),
    tokens: await inBatches(() =>
      db
        .delete(accountTokens)
        .where(
          inArray(
            accountTokens.hash,
            db.select({ hash: accountTokens.hash }).from(accountTokens).where(spent).limit(PURGE_BATCH),
          ),
        ),
    ),
    tasks: await inBatches(() =>
      db
        .delete(tasks)
        .where(inArray(tasks.id, db.select({ id: tasks.id }).from(tasks).where(stale).limit(PURGE_BATCH))),
    ),
  };
}

async function inBatches(deleteSome: () => PromiseLike<D1Result>): Promise<number> {
  let deleted = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const { meta } = await deleteSome();
    deleted += meta.changes;
    if (meta.changes < PURGE_BATCH) break;
  }
  return deleted;
}
