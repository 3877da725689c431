import type { DrizzleD1Database } from "drizzle-orm/d1";
import type * as schema from "./db/schema";
import type { User } from "./db/schema";
import type { Config } from "./lib/config";

export type Database = DrizzleD1Database<typeof schema>;

/** Variables every request carries once the shared middleware has run. */
type BaseVariables = {
  config: Config;
  db: Database;
  /** The authenticated user, or null for an anonymous request (DRF's AnonymousUser). */
  user: User | null;
};

export type AppEnv = { Bindings: Env; Variables: BaseVariables };

/** The env of handlers behind a permission that requires a user: `c.var.user` is never null there. */
export type AuthedEnv = { Bindings: Env; Variables: BaseVariables & { user: User } };
