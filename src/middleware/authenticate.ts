import type { Context } from "hono";
import { sendRideAlong } from "../db/client";
import type { AppEnv } from "../env";
import { accessTokenRefused, authenticationFailed } from "../lib/errors";
import { liveAccount, userWithSession } from "../services/sessions";
import { decodeOrRefuse, userIdOf } from "../services/tokens";

/** DRF's AnonymousUser: no caller, no account. */
const ANONYMOUS = Promise.resolve(null);

/** A view without authentication (simplejwt's token views): every request is anonymous. */
export function anonymous(c: Context<AppEnv>): void {
  c.set("caller", null);
  c.set("user", ANONYMOUS);
}

/**
 * simplejwt's JWTAuthentication, as DRF's perform_authentication runs it: no header, or a scheme
 * other than exactly "Bearer", is an anonymous request; anything wrong with a Bearer token is a 401,
 * even on endpoints that allow anyone.
 *
 * The token is verified here, without I/O, which makes `caller` known at once. The account lookup —
 * is the user active, has the session ended — is only prepared: it rides with the handler's first
 * query (`sendAccountLookup` sends it on its own otherwise), and `user` settles when it answers.
 * Like the rest of the request it reads near the user; what is not found there (a login moments ago,
 * elsewhere, not yet on this replica) is looked for on the primary.
 */
export async function authenticate(c: Context<AppEnv>): Promise<void> {
  const header = c.req.header("Authorization");
  // RFC 6749 §5.1 / ASVS: nothing a request with credentials gets back is kept by a cache, unless the
  // route says otherwise (avatars are public and immutable); and shared caches must key on them.
  c.header("Vary", "Authorization", { append: true });
  if (header !== undefined) c.header("Cache-Control", "no-store");

  const parts = header?.split(/\s+/).filter(Boolean) ?? [];
  if (parts[0] !== "Bearer") return anonymous(c);
  if (parts.length !== 2) {
    throw authenticationFailed("Authorization header must contain two space-delimited values", {
      code: "bad_authorization_header",
    });
  }
  const claims = await decodeOrRefuse(c.var.config, parts[1]!, "access", accessTokenRefused);
  const userId = userIdOf(claims);
  if (userId === null) {
    throw authenticationFailed("Token contained no recognizable user identification", { code: "token_not_valid" });
  }
  const ids = { userId, sessionId: claims.fam };
  c.set("caller", { ...ids, aal: claims.aal, amr: claims.amr });
  const user = userWithSession
    .rideAlong(c.var.db, ids)
    .then((row) => (row?.session ? row : userWithSession.get(c.var.primaryDb(), ids)))
    .then(liveAccount);
  // Read by permit() (and by handlers); a request answered before that must not leave it unobserved.
  user.catch(() => {});
  c.set("user", user);
}

/** The account lookup leaves now, unless the handler's first query has already taken it along. */
export const sendAccountLookup = (c: Context<AppEnv>) => sendRideAlong(c.var.db);
