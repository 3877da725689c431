import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { findTargetHandler } from "hono/utils/handler";
import { database, primaryDatabase } from "../db/client";
import { ANY_INSTANCE, PRIMARY, RequestD1, type WriteGuard } from "../db/request-d1";
import { sessionGuard } from "../db/session-guard";
import type { AppEnv } from "../env";
import { accessTokenRefused } from "../lib/errors";
import { permitFacts } from "../openapi/route-facts";
import { liveAccount, userWithSession } from "../services/sessions";
import { SAFE_METHODS } from "./permissions";

/**
 * D1's Sessions API bookmark, both ways: the API sends the newest database version a request saw, and
 * a client that sends it back reads from a replica at least that new (its own writes included).
 */
const BOOKMARK_HEADER = "x-d1-bookmark";

/** What CORS lets a browser script send and read for its D1 session: the bookmark, both ways. */
export const D1_SESSION_CORS = { allowHeaders: [BOOKMARK_HEADER], exposeHeaders: [BOOKMARK_HEADER] };

/** What D1's getBookmark() returns: `<8 hex>-<8 hex>-<8 hex>-<32 hex>`. Anything else is ignored. */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/** Where the route that took the request said its reads go (permit's `reads`), if it did. */
const routeReads = (c: Context<AppEnv>) =>
  permitFacts(matchedRoutes(c).map((route) => findTargetHandler(route.handler)))?.reads;

/**
 * Where the request's D1 session starts, decided at its first query (once authentication has said who
 * calls):
 * - a route that decides on what it reads (a superuser flag, a token's state) reads the primary;
 * - a read, a signed-in caller's write, and a route whose write re-checks what it decided (a login),
 *   read near the user: from the client's bookmark — a replica at least that new, so the client sees
 *   its own writes — or from any instance. A signed-in caller's write is held to the primary's view
 *   of the caller's session by the guard below;
 * - anyone else's write reads the primary: its decisions must not be stale.
 */
function sessionStart(c: Context<AppEnv>, reads: "primary" | "nearby" | undefined): string {
  if (reads === "primary") return PRIMARY;
  if (reads !== "nearby" && !SAFE_METHODS.has(c.req.method) && !c.get("caller")) return PRIMARY;
  const bookmark = c.req.header(BOOKMARK_HEADER);
  return bookmark !== undefined && BOOKMARK.test(bookmark) ? bookmark : ANY_INSTANCE;
}

/**
 * A signed-in caller's writes land only while the caller's session is live on the primary, checked in
 * the same batch (one round trip) as the write. When it has ended, the primary says why: the account's
 * own 401 (inactive, gone) or the session's.
 */
function writeGuard(c: Context<AppEnv>, d1: RequestD1): WriteGuard | null {
  const caller = c.get("caller");
  if (!caller || SAFE_METHODS.has(c.req.method)) return null;
  const ids = { userId: caller.userId, sessionId: caller.sessionId };
  return {
    statement: sessionGuard(d1, ids),
    explain: async () => {
      liveAccount(await userWithSession.get(c.var.primaryDb(), ids));
      throw accessTokenRefused("Token is blacklisted");
    },
  };
}

/**
 * The request's D1 session, in one place: Drizzle on it as `c.var.db` (and on a fresh primary session
 * as `c.var.primaryDb()`, for a lookup that must see the newest rows), where it starts, the guard on
 * its writes, and the newest bookmark it saw, sent back for the client's next read.
 */
export const d1Session = createMiddleware<AppEnv>(async (c, next) => {
  const reads = routeReads(c);
  const d1 = new RequestD1(
    c.env.DB,
    () => sessionStart(c, reads),
    (d1) => writeGuard(c, d1),
  );
  c.set("db", database(d1));
  c.set("primaryDb", () => primaryDatabase(c.env.DB));
  await next();
  const seen = d1.bookmark();
  if (seen !== null) c.header(BOOKMARK_HEADER, seen);
});
