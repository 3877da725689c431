import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { users } from "../db/schema";
import type { AppEnv } from "../env";
import { authenticationFailed, tokenNotValid } from "../lib/errors";
import { validateJson } from "../lib/validate";
import { AllowAny, permit } from "../middleware/permissions";
import { obtainBody, verifyBody } from "../schemas/token";
import { burnOneDerivation, verifyPassword } from "../services/passwords";
import { insertSession, newSession, sessionTokens } from "../services/sessions";
import { decodeToken, TokenError } from "../services/tokens";

// One message for a wrong password, an unknown user and an inactive user, so none can be told apart.
const noActiveAccount = () => authenticationFailed("No active account found with the given credentials");

/** simplejwt's TokenError → 401 {"detail": message, "code": "token_not_valid"}. */
export async function decodeOrReject(...args: Parameters<typeof decodeToken>) {
  try {
    return await decodeToken(...args);
  } catch (e) {
    if (e instanceof TokenError) throw tokenNotValid(e.message);
    throw e;
  }
}

/** simplejwt's token views. Like them, they ignore the Authorization header (no authentication). */
export const tokenRoutes = new Hono<AppEnv>()
  .use(async (c, next) => {
    await next();
    // RFC 6749 §5.1: responses carrying tokens must not be cached.
    c.header("Cache-Control", "no-store");
  })
  .post("/", permit([AllowAny]), validateJson(obtainBody), async (c) => {
    const { db, config } = c.var;
    const { username, password } = c.req.valid("json");
    const user = await db.select().from(users).where(eq(users.username, username)).get();
    if (!user) {
      await burnOneDerivation(password);
      throw noActiveAccount();
    }
    const passwordOk = await verifyPassword(password, user.password);
    if (!passwordOk || !user.isActive) throw noActiveAccount();

    const session = newSession(config);
    const [, tokens] = await Promise.all([
      db.batch([
        db.update(users).set({ lastLogin: session.createdAt }).where(eq(users.id, user.id)),
        insertSession(db, session, user.id),
      ]),
      sessionTokens(config, user.id, session),
    ]);
    return c.json({ refresh: tokens.refresh, access: tokens.access });
  })
  .post("/verify/", permit([AllowAny]), validateJson(verifyBody), async (c) => {
    await decodeOrReject(c.var.config, c.req.valid("json").token, null);
    return c.json({});
  });
