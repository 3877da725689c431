import type { TokenFamily } from "../db/schema";

/** A login session as its user sees it (GET /api/sessions/): never a token or a jti. */
export const serializeSession = (session: TokenFamily, currentId: string) => ({
  id: session.id,
  created_at: session.createdAt.toISOString(),
  /** The last refresh: the last time the session was used to get a new access token. */
  last_used_at: (session.rotatedAt ?? session.createdAt).toISOString(),
  expires_at: session.expiresAt.toISOString(),
  user_agent: session.userAgent,
  current: session.id === currentId,
});
