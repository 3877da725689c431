import { eq, type SQL } from "drizzle-orm";
import { type Context, Hono } from "hono";
import type { Database } from "../db/client";
import { type User, users } from "../db/schema";
import type { AppEnv } from "../env";
import {
  clearRefreshCookie,
  deliverRefresh,
  deviceCookie,
  refreshTokenOf,
  setChallengeCookie,
  setDeviceCookie,
} from "../lib/cookies";
import { authenticationFailed, tokenNotValid } from "../lib/errors";
import { AllowAny } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { validateJson } from "../middleware/validate";
import { describe, ok } from "../openapi/describe";
import { emptyResponse, loginResponse, obtainBody, refreshBody, tokenPairResponse, verifyBody } from "../schemas/token";
import { verifiedHolder } from "../services/accounts";
import { DEVICE_LIFETIME, deviceOf, issueDeviceToken } from "../services/devices";
import { GuessThrottle } from "../services/guess-throttle";
import { startSession } from "../services/login";
import { CHALLENGE_LIFETIME, issueChallenge } from "../services/mfa-challenge";
import { burnOneDerivation, verifyPassword } from "../services/passwords";
import {
  blacklistInKv,
  checkTokenState,
  RefreshRefused,
  revokeSession,
  rotateRefreshToken,
} from "../services/refresh-tokens";
import { newSession } from "../services/sessions";
import { decodeOrRefuse, type TokenClaims, type TokenPair } from "../services/tokens";
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

/**
 * The client that just proved it holds the account (a login, a registration, a password change or
 * reset, a second factor) becomes one of its known devices: its failed guesses get a budget of their
 * own (services/devices.ts), which a stranger's cannot use up.
 */
export async function rememberDevice(c: Context, userId: number): Promise<void> {
  setDeviceCookie(c, await issueDeviceToken(c.var.config, userId), DEVICE_LIFETIME);
}

/** A login's answer, simplejwt's: the new token pair (the refresh token as a cookie in cookie mode), and the device cookie. */
export async function loginAnswer(c: Context, userId: number, tokens: TokenPair) {
  await rememberDevice(c, userId);
  return { ...deliverRefresh(c, tokens.refresh, tokens.refreshClaims.exp), access: tokens.access };
}

/** The guesser a login counts: the client's device if it is one of this account's, every unknown client otherwise. */
async function guesser(c: Context<AppEnv>, unknownClients: string, userId: number | undefined) {
  const device = await deviceOf(c.var.config, deviceCookie(c));
  return device && (userId === undefined || device.userId === userId) ? { device } : { unknownClients };
}

/** What a login names: the account as read near the user, how to find it again, and its guess throttle. */
type Found = { user: User | undefined; where: SQL; throttle: GuessThrottle };

/**
 * A login by username: the throttle (keyed by the name, known at once, or by the device the client
 * says it is) is asked alongside the account lookup, which reveals nothing until the password has been
 * checked. A name this isolate knows to be out of guesses is refused before anything else starts.
 */
async function byUsername(c: Context<AppEnv>, key: string): Promise<Found> {
  const claimed = await guesser(c, key, undefined);
  let throttle = new GuessThrottle(c.env, c.var.config, "login", claimed);
  if (throttle.knownRefused()) await throttle.check();
  const where = eq(users.usernameKey, key);
  const [, user] = await Promise.all([throttle.check(), accountBy(c.var.db, where)]);
  const counted = await guesser(c, key, user?.id);
  if ("device" in claimed && !("device" in counted)) {
    // The device cookie was another account's: this guess is an unknown client's, and counts as one.
    await throttle.forgive();
    throttle = new GuessThrottle(c.env, c.var.config, "login", counted);
    await throttle.check();
  }
  return { user, where, throttle };
}

/**
 * A login by email, which only a verified address allows (anyone may claim an address): the account
 * is found first, so that its username and its email share one budget of guesses; an unknown or
 * unverified email is throttled by itself, the same way, so the answer and its timing tell nothing.
 */
async function byEmail(c: Context<AppEnv>, email: string): Promise<Found> {
  const where = verifiedHolder(email);
  const user = await accountBy(c.var.db, where);
  const key = user?.usernameKey ?? `email:${email.toLowerCase()}`;
  const throttle = new GuessThrottle(c.env, c.var.config, "login", await guesser(c, key, user?.id));
  await throttle.check();
  return { user, where, throttle };
}

const accountBy = (db: Database, where: SQL) => db.select().from(users).where(where).get();

/**
 * The account the password opens, checked as read near the user — and, only when that read could be
 * behind (no such account yet, or another password), on the primary. Every way through costs one
 * lookup near the user, one on the primary and one password derivation, known account or not (two
 * derivations only when the primary's hash differs from the replica's: a password changed moments ago).
 */
async function checkedAccount(c: Context<AppEnv>, found: Found, password: string): Promise<User | null> {
  const near = found.user;
  if (near && (await verifyPassword(password, near.password))) return near;
  const fresh = await accountBy(c.var.primaryDb(), found.where);
  if (!fresh) {
    if (!near) await burnOneDerivation(password);
    return null;
  }
  if (near && fresh.password === near.password) return null;
  return (await verifyPassword(password, fresh.password)) ? fresh : null;
}

/**
 * What a right password leads to: an MFA challenge (no token, no write), or a session, started in one
 * round trip to the primary that re-checks what was read near the user. When the primary says that
 * changed, the account is read again there, once, and the answer follows what it says.
 */
async function passwordLogin(c: Context<AppEnv>, user: User, retried = false): Promise<Response> {
  const { config } = c.var;
  if (user.mfaEnabled) {
    const challenge = await issueChallenge(config, user.id, user.password);
    // Bound to this client: the nonce goes back only as an HttpOnly cookie (services/mfa-challenge.ts).
    setChallengeCookie(c, challenge.nonce, CHALLENGE_LIFETIME);
    return c.json({ mfa_required: true as const, ephemeral_token: challenge.token });
  }
  const session = newSession(config, c.req.header("User-Agent"));
  const tokens = await startSession(c.var.db, config, user, session);
  if (tokens) return c.json(await loginAnswer(c, user.id, tokens));
  const fresh = retried ? undefined : await accountBy(c.var.primaryDb(), eq(users.id, user.id));
  // A password changed since it was checked: the one given was checked against the old hash.
  if (!fresh?.isActive || fresh.password !== user.password) throw noActiveAccount();
  return passwordLogin(c, fresh, true);
}

/** Where app.ts mounts the token views; the log-in box of the browsable API uses the first and the logout. */
export const TOKEN_PATH = "/api/token/";
export const LOGOUT_PATH = `${TOKEN_PATH}blacklist/`;

/** simplejwt's token views. Like them, they ignore the Authorization header (no authentication). */
export const tokenRoutes = new Hono<AppEnv>()
  .post(
    "/",
    describe({
      tag: "token",
      summary: "Log in: a new access and refresh token",
      description:
        "By `username` or `email`. At most 10 failed logins per account per hour from unknown clients (the `login` " +
        "throttle), and 10 more for each device that has logged in before (the `__Host-device` cookie set here). " +
        "With `X-Token-Transport: cookie`, the refresh token is set as the HttpOnly `__Host-refresh` cookie instead.",
      responses: ok(
        "A new token pair (a new session); or, for an account with a second factor, the challenge to answer " +
          "with POST /api/mfa/verify/ (and no token).",
        loginResponse,
      ),
      errors: [401, 503],
    }),
    // Read near the user: the session's batch re-checks on the primary what the login read (services/login.ts).
    permit([AllowAny], { authenticate: false, reads: "nearby", noStore: true }),
    validateJson(obtainBody),
    async (c) => {
      const { username, email, password } = c.req.valid("json");
      const found = await (username !== undefined ? byUsername(c, usernameKey(username)) : byEmail(c, email!));
      const user = await checkedAccount(c, found, password);
      if (!user?.isActive) throw noActiveAccount();
      // A right password was not a failed guess: its slot is given back while the session starts.
      const [, answer] = await Promise.all([found.throttle.forgive(), passwordLogin(c, user)]);
      return answer;
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
    permit([AllowAny], { authenticate: false, reads: "primary", noStore: true }),
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
      description:
        "Valid: signed by this API, unexpired, of a live session and an active account — what authentication " +
        "accepts. A token of an ended session (or a refresh token rotated away) is 400 `Token is blacklisted`.",
      responses: ok("The token is valid.", emptyResponse),
      errors: [400, 401],
    }),
    permit([AllowAny], { authenticate: false, reads: "primary", noStore: true }),
    validateJson(verifyBody),
    async (c) => {
      const claims = await decodeOrRefuse(c.var.config, c.req.valid("json").token, null, tokenNotValid);
      await checkTokenState(c.var.db, c.env.BLACKLIST, claims);
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
    permit([AllowAny], { authenticate: false, reads: "primary", noStore: true }),
    validateJson(refreshBody),
    async (c) => {
      const claims = await refreshClaims(c, refreshTokenOf(c, c.req.valid("json").refresh));
      await orRefused(revokeSession(c.var.db, claims));
      mirrorToKv(c, claims);
      clearRefreshCookie(c);
      return c.json({});
    },
  );
