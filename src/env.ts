import type { Database } from "./db/client";
import type { User } from "./db/schema";
import type { Config } from "./lib/config";
import type { Assurance } from "./services/tokens";

/**
 * Who a verified access token says the caller is, and how the session was started: trustworthy at
 * once, before any lookup.
 */
export type Caller = { userId: number; sessionId: string } & Assurance;

/** Variables every request carries once the shared middleware has run. */
type BaseVariables = {
  /** The request's id (its X-Request-Id): cf-ray, or a fresh one (middleware/request-log.ts). */
  requestId: string;
  config: Config;
  /** Drizzle on this request's D1 session (middleware/d1-session.ts). */
  db: Database;
  /** Drizzle on a session of its own on the D1 primary, for a lookup that must see the newest rows. */
  primaryDb: () => Database;
  /** The verified token's user and session; null for an anonymous request. */
  caller: Caller | null;
  /**
   * The caller's account (DRF's request.user), or null when anonymous (AnonymousUser). A promise:
   * the lookup that also checks the session runs alongside the handler's own first query, and
   * rejects with the 401 if the account is inactive or the session has ended. After permit() it has
   * settled for every method but the safe ones, whose handlers run beside it.
   */
  user: Promise<User | null>;
};

export type AppEnv = { Bindings: Env; Variables: BaseVariables };

/** The env of handlers behind a permission that requires a user: caller and account are never null there. */
export type AuthedEnv = {
  Bindings: Env;
  Variables: Omit<BaseVariables, "caller" | "user"> & { caller: Caller; user: Promise<User> };
};
