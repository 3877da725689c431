import { createMiddleware } from "hono/factory";
import { database } from "../db/client";
import { RequestD1 } from "../db/request-d1";
import type { User } from "../db/schema";
import { sessionGuard } from "../db/session-guard";
import type { AppEnv } from "../env";
import { authenticationFailed } from "../lib/errors";
import { userWithSession } from "../services/sessions";
import { decodeToken, type TokenClaims, TokenError, userIdOf } from "../services/tokens";
import { isSafeMethod } from "./permissions";

const invalidToken = (message: string) =>
  authenticationFailed("Given token not valid for any token type", {
    code: "token_not_valid",
    messages: [{ token_class: "AccessToken", token_type: "access", message }],
  });

/**
 * simplejwt's JWTAuthentication: no header, or a scheme other than exactly "Bearer", is an anonymous
 * request; anything wrong with a Bearer token is a 401, even on endpoints that allow anyone.
 *
 * The token is verified here, without I/O, which makes `caller` known at once. The account lookup —
 * is the user active, has the session ended — is only prepared: permit() sends it together with the
 * handler's first query, and `user` settles when it answers. Like the rest of the request, it reads
 * near the user; a write is then held to the primary's view of the session by a guard.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("Authorization");
  const parts = header?.split(/\s+/).filter(Boolean) ?? [];
  if (parts[0] !== "Bearer") return next();
  if (parts.length !== 2) {
    throw authenticationFailed("Authorization header must contain two space-delimited values", {
      code: "bad_authorization_header",
    });
  }
  let claims: TokenClaims;
  try {
    claims = await decodeToken(c.var.config, parts[1]!, "access");
  } catch (e) {
    if (e instanceof TokenError) throw invalidToken(e.message);
    throw e;
  }
  const userId = userIdOf(claims);
  if (userId === null) {
    throw authenticationFailed("Token contained no recognizable user identification", { code: "token_not_valid" });
  }
  const caller = { userId, sessionId: claims.fam };
  c.set("caller", caller);
  const ids = { userId, familyId: claims.fam };
  // The session's row is written on the primary and may not have reached a nearby replica yet (a
  // login moments ago, elsewhere): what is not found near the user is looked for on the primary.
  const onPrimary = () => userWithSession.get(database(new RequestD1(c.env.DB, "first-primary")), ids);
  const user = userWithSession
    .rideAlong(c.var.db, ids)
    .then((row) => (row?.session ? row : onPrimary()))
    .then(accountOf);
  // Read by permit() (and by handlers); a request answered before that must not leave it unobserved.
  user.catch(() => {});
  c.set("user", user);
  if (!isSafeMethod(c)) {
    // A write reads near the user like any request, and each of its writes is conditional on the
    // session still being live on the primary, in the same round trip as the write itself.
    c.var.db.$client.readNearby();
    c.var.db.$client.guardWrites(sessionGuard(c.var.db, caller), async () => {
      accountOf(await onPrimary());
      throw invalidToken("Token is blacklisted");
    });
  }
  await next();
});

/** simplejwt's get_user checks, plus ours: the session the token belongs to must not have ended. */
function accountOf(row: Awaited<ReturnType<typeof userWithSession.get>>): User {
  if (!row) throw authenticationFailed("User not found", { code: "user_not_found" });
  if (!row.user.isActive) throw authenticationFailed("User is inactive", { code: "user_inactive" });
  if (row.session === null || row.session.revokedAt !== null) throw invalidToken("Token is blacklisted");
  return row.user;
}
