import { drizzle } from "drizzle-orm/d1";
import type { Database } from "../env";
import * as schema from "./schema";

// One Drizzle instance per D1 binding and isolate: building it (schema metadata) on every request
// would be wasted work on the hot path.
const instances = new WeakMap<D1Database, Database>();

export function database(d1: D1Database): Database {
  let db = instances.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    instances.set(d1, db);
  }
  return db;
}

/**
 * A query built once per Drizzle instance (SQL text generated, statement prepared) and run with
 * placeholders: the hot paths skip Drizzle's query building on every request.
 */
export function preparedQuery<Q>(build: (db: Database) => Q): (db: Database) => Q {
  const built = new WeakMap<Database, Q>();
  return (db) => {
    let query = built.get(db);
    if (!query) {
      query = build(db);
      built.set(db, query);
    }
    return query;
  };
}
