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

/**
 * simplejwt's JWTAuthentication: no header, or a scheme other than exactly "Bearer", is an anonymous
 * request; anything wrong with a Bearer token is a 401, even on endpoints that allow anyone.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  c.set("user", null);
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
  if (!Number.isSafeInteger(userId)) {
    throw authenticationFailed("Token contained no recognizable user identification", { code: "token_not_valid" });
  }
  const row = await userWithSession(c.var.db).get({ userId, familyId: claims.fam });
  if (!row) throw authenticationFailed("User not found", { code: "user_not_found" });
  if (!row.user.isActive) throw authenticationFailed("User is inactive", { code: "user_inactive" });
  if (row.session === null || row.session.revokedAt !== null) throw invalidToken("Token is blacklisted");
  c.set("user", row.user);
  await next();
});
