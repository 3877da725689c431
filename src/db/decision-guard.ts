import { type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { causes } from "../lib/errors";
import type { Database } from "./client";
import { users } from "./schema";

// migration 0008's decision_guard: inserting a false `still_true` aborts the batch it is in.

const CHANGED = "decision_guard: what the request decided on has changed";
const dialect = new SQLiteAsyncDialect();

/**
 * `queries` in one batch that runs only while `userId`'s row still satisfies `stillTrue`: what a
 * decision made on a replica rested on, re-checked on the primary in the same transaction, first.
 */
export function batchIfStill(
  db: Database,
  userId: number,
  stillTrue: SQL,
  queries: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]],
) {
  const check = dialect.sqlToQuery(
    sql`insert into decision_guard (still_true) select exists (select 1 from ${users} where ${users.id} = ${userId} and ${stillTrue})`,
  );
  const condition = db.$client.prepare(check.sql).bind(...check.params);
  return db.$client.batchBehind(condition, () => db.batch(queries));
}

/** Whether a batch was aborted by its decision guard. */
export const decisionChanged = (error: unknown) => [...causes(error)].some((e) => e.message.includes(CHANGED));
