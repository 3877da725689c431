import { eq } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { users } from "../db/schema";
import type { AppEnv } from "../env";
import { clearRefreshCookie, deliverRefresh, deviceCookie, refreshTokenOf, setDeviceCookie } from "../lib/cookies";
import { authenticationFailed, nonFieldError, tokenNotValid } from "../lib/errors";
import { AllowAny } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { validateJson } from "../middleware/validate";
import { describe, ok } from "../openapi/describe";
import { emptyResponse, obtainBody, refreshBody, tokenPairResponse, verifyBody } from "../schemas/token";
import { verifiedHolder } from "../services/accounts";
import { DEVICE_LIFETIME, issueDeviceToken, knownDevice } from "../services/devices";
import { LoginThrottle } from "../services/login-throttle";
import { burnOneDerivation, verifyPassword } from "../services/passwords";
import {
  blacklistInKv,
  isRevoked,
  RefreshRefused,
  revokeSession,
  rotateRefreshToken,
} from "../services/refresh-tokens";
import { insertSession, newSession, recordLogin, sessionTokens } from "../services/sessions";
import { decodeOrRefuse, type TokenClaims } from "../services/tokens";
import { usernameKey } from "../services/usernames";

// One message for a wrong password, an unknown user and an inactive user, so none can be told apart.
const noActiveAccount = () => authenticationFailed("No active account found with the given credentials");

/** A signed, unexpired refresh token's claims; an access token here is "Token has wrong type". */
const refreshClaims = (c: Context<AppEnv>, raw: string) => decodeOrRefuse(c.var.config, raw, "refresh", tokenNotValid);

/** RefreshRefused → simplejwt's 401 bodies: an account problem has no code, a token problem does. */
async function orRefused<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (!(e instanceof RefreshRefused)) throw e;
    if (e.message === "No active account found for the given token.") throw authenticationFailed(e.message);
    throw tokenNotValid(e.message);
  }
}

/** KV mirrors refused jtis after the response: nothing depends on it being written in time. */
const mirrorToKv = (c: Context<AppEnv>, claims: TokenClaims) =>
  c.executionCtx.waitUntil(blacklistInKv(c.env.BLACKLIST, claims));

/** A device cookie names the account it logged into; the `login` throttle counts each known device apart. */
const deviceOf = (c: Context<AppEnv>, key: string) => knownDevice(c.var.config, deviceCookie(c), key);

/**
 * A login by username: the throttle (keyed by the name, known at once) is asked alongside the user
 * lookup, which reveals nothing until the password has been checked. A name this isolate knows to be
 * out of guesses is refused before anything else starts.
 */
async function byUsername(c: Context<AppEnv>, key: string) {
  const throttle = new LoginThrottle(c.env, c.var.config, key, await deviceOf(c, key));
  if (throttle.knownRefused()) await throttle.check();
  const [, user] = await Promise.all([
    throttle.check(),
    c.var.db.select().from(users).where(eq(users.usernameKey, key)).get(),
  ]);
  return { user, throttle };
}

/**
 * A login by email, which only a verified address allows (anyone may claim an address): the account
 * is found first, so that its username and its email share one budget of guesses; an unknown or
 * unverified email is throttled by itself, the same way, so the answer and its timing tell nothing.
 */
async function byEmail(c: Context<AppEnv>, email: string) {
  const user = await c.var.db.select().from(users).where(verifiedHolder(email)).get();
  const key = user?.usernameKey ?? `email:${email.toLowerCase()}`;
  const throttle = new LoginThrottle(c.env, c.var.config, key, user ? await deviceOf(c, key) : null);
  await throttle.check();
  return { user, throttle };
}

/** Where app.ts mounts the token views; the log-in box of the browsable API uses the first and the logout. */
export const TOKEN_PATH = "/api/token/";
export const LOGOUT_PATH = `${TOKEN_PATH}blacklist/`;

/** simplejwt's token views. Like them, they ignore the Authorization header (no authentication). */
export const tokenRoutes = new Hono<AppEnv>()
  .use(async (c, next) => {
    await next();
    // RFC 6749 §5.1: responses carrying tokens must not be cached.
    c.header("Cache-Control", "no-store");
  })
  .post(
    "/",
    describe({
      tag: "token",
      summary: "Log in: a new access and refresh token",
      description:
        "By `username` or `email`. At most 10 failed logins per account per hour from unknown clients (the `login` " +
        "throttle), and 10 more for each device that has logged in before (the `__Host-device` cookie set here). " +
        "With `X-Token-Transport: cookie`, the refresh token is set as the HttpOnly `__Host-refresh` cookie instead.",
      responses: ok("A new token pair (a new session).", tokenPairResponse),
      errors: [401, 503],
    }),
    permit([AllowAny], { authenticate: false, primary: true }),
    validateJson(obtainBody),
    async (c) => {
      const { db, config } = c.var;
      const { username, email, password } = c.req.valid("json");
      const { user, throttle } = await (username !== undefined
        ? byUsername(c, usernameKey(username))
        : byEmail(c, email!));
      if (!user) {
        await burnOneDerivation(password);
        throw noActiveAccount();
      }
      const passwordOk = await verifyPassword(password, user.password);
      if (!passwordOk || !user.isActive) throw noActiveAccount();

      const session = newSession(config, c.req.header("User-Agent"));
      const [, , tokens, device] = await Promise.all([
        throttle.forgive(),
        db.batch([recordLogin(db, user.id, session.createdAt), insertSession(db, session, user.id)]),
        sessionTokens(config, user.id, session),
        issueDeviceToken(config, user.usernameKey),
      ]);
      // This client is now a known device of the account: its failed logins get a budget of their own.
      setDeviceCookie(c, device, DEVICE_LIFETIME);
      return c.json({ ...deliverRefresh(c, tokens.refresh, tokens.refreshClaims.exp), access: tokens.access });
    },
  )
  .post(
    "/refresh/",
    describe({
      tag: "token",
      summary: "Rotate a refresh token",
      description: "A refresh token works once: reusing one revokes its whole session.",
      responses: ok("A new access token and the next refresh token.", tokenPairResponse),
      errors: [401, 403],
    }),
    permit([AllowAny], { authenticate: false, primary: true }),
    validateJson(refreshBody),
    async (c) => {
      const claims = await refreshClaims(c, refreshTokenOf(c, c.req.valid("json").refresh));
      const tokens = await orRefused(rotateRefreshToken(c.var.db, c.var.config, claims));
      mirrorToKv(c, claims);
      return c.json({ access: tokens.access, ...deliverRefresh(c, tokens.refresh, tokens.refreshClaims.exp) });
    },
  )
  .post(
    "/verify/",
    describe({
      tag: "token",
      summary: "Check that a token is valid",
      responses: ok("The token is valid.", emptyResponse),
      errors: [401],
    }),
    permit([AllowAny], { authenticate: false, primary: true }),
    validateJson(verifyBody),
    async (c) => {
      const claims = await decodeOrRefuse(c.var.config, c.req.valid("json").token, null, tokenNotValid);
      // simplejwt answers a blacklisted token here with a 400 validation error, not a 401.
      if (await isRevoked(c.var.db, c.env.BLACKLIST, claims)) throw nonFieldError("Token is blacklisted");
      return c.json({});
    },
  )
  .post(
    "/blacklist/",
    describe({
      tag: "token",
      summary: "Log out: revoke the session of a refresh token",
      description: "Its access tokens stop working too.",
      responses: ok("The session is revoked.", emptyResponse),
      errors: [401, 403],
    }),
    permit([AllowAny], { authenticate: false, primary: true }),
    validateJson(refreshBody),
    async (c) => {
      const claims = await refreshClaims(c, refreshTokenOf(c, c.req.valid("json").refresh));
      await orRefused(revokeSession(c.var.db, claims));
      mirrorToKv(c, claims);
      clearRefreshCookie(c);
      return c.json({});
    },
  );
