import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { authenticationFailed } from "../lib/errors";
import { userWithSession } from "../services/sessions";
import { decodeToken, TokenError } from "../services/tokens";

const invalidToken = (message: string) =>
  authenticationFailed("Given token not valid for any token type", {
    code: "token_not_valid",
    messages: [{ token_class: "AccessToken", token_type: "access", message }],
  });

// simplejwt writes str(user.id): anything but that exact spelling ("2.0", " 2", "02") is not an id.
const CANONICAL_ID = /^[1-9][0-9]{0,15}$/;

/**
 * simplejwt's JWTAuthentication: no header, or a scheme other than exactly "Bearer", is an anonymous
 * request; anything wrong with a Bearer token is a 401, even on endpoints that allow anyone.
 *
 * The token is verified here, without I/O, which makes `caller` known at once. The account lookup —
 * is the user active, has the session ended — is only prepared: permit() sends it together with the
 * handler's first query, and `user` settles when it answers.
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
  let claims;
  try {
    claims = await decodeToken(c.var.config, parts[1]!, "access");
  } catch (e) {
    if (e instanceof TokenError) throw invalidToken(e.message);
    throw e;
  }
  const userId = Number(claims.user_id);
  if (!CANONICAL_ID.test(claims.user_id) || !Number.isSafeInteger(userId)) {
    throw authenticationFailed("Token contained no recognizable user identification", { code: "token_not_valid" });
  }
  c.set("caller", { userId, sessionId: claims.fam });
  const user = userWithSession.rideAlong(c.var.db, { userId, familyId: claims.fam }).then((row) => {
    if (!row) throw authenticationFailed("User not found", { code: "user_not_found" });
    if (!row.user.isActive) throw authenticationFailed("User is inactive", { code: "user_inactive" });
    if (row.session === null || row.session.revokedAt !== null) throw invalidToken("Token is blacklisted");
    return row.user;
  });
  // Read by permit() (and by handlers); a request answered before that must not leave it unobserved.
  user.catch(() => {});
  c.set("user", user);
  await next();
});
