import { drizzle } from "drizzle-orm/d1";
import type { Database } from "../env";
import { perObject } from "../lib/per-object";
import * as schema from "./schema";

/** One Drizzle instance per D1 binding: its schema metadata is not rebuilt on every request. */
export const database = perObject((d1: D1Database): Database => drizzle(d1, { schema }));

/**
 * A query built once per Drizzle instance (SQL text generated, statement prepared) and run with
 * placeholders: the hot paths skip Drizzle's query building on every request.
 */
export const preparedQuery = <Q>(build: (db: Database) => Q) => perObject(build);
