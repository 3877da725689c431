import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { Hono } from "hono";
import { sessions } from "../db/schema";
import type { AppEnv } from "../env";
import { clearRefreshCookie } from "../lib/cookies";
import { notFound } from "../lib/errors";
import { IsAuthenticated } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { describe, listOf, noContent, ok } from "../openapi/describe";
import { serializeSession, sessionResponse } from "../schemas/sessions";
import { revokeAllSessions } from "../services/refresh-tokens";

/** The caller's sessions that can still be used: not ended, not past their absolute end. */
const live = (userId: number, now: Date) =>
  and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now));

/**
 * The caller's login sessions (one per login): see them, end one — a lost
 * phone — or all of them. An ended session's refresh and access tokens are refused from the next request.
 */
export const sessionRoutes = new Hono<AppEnv>()
  .get(
    "/",
    describe({
      tag: "sessions",
      summary: "The caller's live sessions (one per login)",
      description: "Sessions not yet ended nor past their absolute end; never a token.",
      responses: ok("Newest first; `current` marks the calling token's.", listOf(sessionResponse)),
    }),
    permit([IsAuthenticated]),
    async (c) => {
      const { db, caller } = c.var;
      const rows = await db
        .select()
        .from(sessions)
        .where(live(caller.userId, new Date()))
        .orderBy(desc(sessions.createdAt));
      return c.json(rows.map((session) => serializeSession(session, caller.sessionId)));
    },
  )
  // Log out everywhere, this session included.
  .delete(
    "/",
    describe({
      tag: "sessions",
      summary: "End every session of the caller: log out everywhere",
      description: "Their refresh and access tokens are refused from the next request; the refresh cookie is cleared.",
      responses: noContent("Ended."),
    }),
    permit([IsAuthenticated]),
    async (c) => {
      await revokeAllSessions(c.var.db, c.var.caller.userId);
      clearRefreshCookie(c);
      return c.body(null, 204);
    },
  )
  // Someone else's session is not found, the same 404 as an id that never existed.
  .delete(
    "/:id{[0-9a-f]+}/",
    describe({
      tag: "sessions",
      summary: "End one of the caller's sessions (a lost phone)",
      description: "Its refresh and access tokens are refused from the next request. Another user's session: 404.",
      responses: noContent("Ended."),
      errors: [404],
    }),
    permit([IsAuthenticated]),
    async (c) => {
      const { db, caller } = c.var;
      const id = c.req.param("id");
      const [ended] = await db
        .update(sessions)
        .set({ revokedAt: new Date() })
        .where(and(eq(sessions.id, id), live(caller.userId, new Date())))
        .returning({ id: sessions.id });
      if (!ended) throw notFound("Session");
      if (id === caller.sessionId) clearRefreshCookie(c);
      return c.body(null, 204);
    },
  );
