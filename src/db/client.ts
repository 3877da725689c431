import { fillPlaceholders } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import type { D1PreparedQuery } from "drizzle-orm/d1/session";
import { PRIMARY, RequestD1, rowArrays } from "./request-d1";

/** Drizzle on one request's D1 session. */
export type Database = DrizzleD1Database & { $client: RequestD1 };

/**
 * Drizzle on a request's session. Drizzle has no Sessions API support yet (drizzle-orm#4522) but only
 * ever calls prepare() and batch(), which RequestD1 has: this is the one place that says so.
 */
export const database = (d1: RequestD1): Database => drizzle(d1 as unknown as D1Database) as unknown as Database;

/** Drizzle on a D1 session of its own on the primary: for work outside a request (the cron) or a lookup that must see the newest rows. */
export const primaryDatabase = (d1: D1Database): Database => database(new RequestD1(d1, () => PRIMARY));

/** Sends a statement still waiting to ride along with the request's next query (RequestD1.rideAlong) on its own. */
export const sendRideAlong = (db: Database) => db.$client.flush();

/** A client that is never run: queries built on it only yield their SQL and their row mapping. */
const templateDb = primaryDatabase({} as D1Database);

type Prepared = D1PreparedQuery<{ type: "async"; all: unknown; get: unknown; values: unknown[]; execute: unknown }>;
type Row<Q> = Q extends { get(): Promise<infer R> } ? R : never;
type Rows<Q> = Q extends { all(): Promise<infer R> } ? R : never;

/**
 * A query whose SQL is built once per isolate (Drizzle's building costs more than the rest of a
 * request's own work) and run on each request's session, with `sql.placeholder` values. Run with
 * `all`/`get` it takes along a statement waiting to ride with it (RequestD1.rideAlong).
 */
export function preparedQuery<Q extends { getQuery(): { sql: string; params: unknown[] } }>(
  build: (db: Database) => Q,
) {
  let built: Prepared | undefined;
  const template = () => (built ??= build(templateDb) as unknown as Prepared);
  const statement = (db: Database, values: Record<string, unknown>) => {
    const { sql, params } = template().getQuery();
    return db.$client.prepare(sql).bind(...fillPlaceholders(params, values));
  };
  const columns = () => (template() as unknown as { fields: unknown[] }).fields.length;
  const rows = (db: Database, values: Record<string, unknown>) => db.$client.rows(statement(db, values), columns());
  const first = (rows: unknown[][]) => (rows[0] === undefined ? undefined : template().mapGetResult(rows[0])) as Row<Q>;
  return {
    /** The SQL text (placeholders as `?`, in the order the values are bound). */
    get sql() {
      return template().getQuery().sql;
    },
    all: async (db: Database, values: Record<string, unknown> = {}): Promise<Rows<Q>> =>
      template().mapAllResult(await rows(db, values)) as Rows<Q>,
    get: async (db: Database, values: Record<string, unknown> = {}): Promise<Row<Q>> => first(await rows(db, values)),
    /** Sends the query with the request's next one (see RequestD1.rideAlong), resolving to its row. */
    rideAlong: async (db: Database, values: Record<string, unknown> = {}): Promise<Row<Q>> =>
      first(rowArrays(await db.$client.rideAlong(statement(db, values)), columns())),
  };
}
