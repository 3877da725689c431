import { type SQL, sql } from "drizzle-orm";
import { causes } from "../lib/errors";
import type { Database } from "./client";
import { users } from "./schema";

// migration 0008's decision_guard: inserting a false `still_true` aborts the batch it is in.

const CHANGED = "decision_guard: what the request decided on has changed";

/**
 * The statement that lets a batch run only while `userId`'s row still satisfies `stillTrue`: what a
 * decision made on a replica rested on, re-checked on the primary in the same transaction. Put it first.
 */
export const decisionGuard = (db: Database, userId: number, stillTrue: SQL) =>
  db.run(
    sql`insert into decision_guard (still_true) select exists (select 1 from ${users} where ${users.id} = ${userId} and ${stillTrue})`,
  );

/** Whether a batch was aborted by its decision guard. */
export const decisionChanged = (error: unknown) => [...causes(error)].some((e) => e.message.includes(CHANGED));
