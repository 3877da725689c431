import { and, eq } from "drizzle-orm";
import { type Context, Hono } from "hono";
import type { Database } from "../db/client";
import { mfaFactors, recoveryCodes, users } from "../db/schema";
import type { AppEnv } from "../env";
import type { Config } from "../lib/config";
import { challengeCookie, clearChallengeCookie, deviceCookie } from "../lib/cookies";
import { unlessTaken } from "../lib/db-errors";
import { nonFieldError, notFound, validationError } from "../lib/errors";
import { afterResponse } from "../middleware/background";
import { AllowAny, IsAuthenticated, SecondFactorWhenEnabled } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { validateJson } from "../middleware/validate";
import { created, describe, noContent, ok } from "../openapi/describe";
import {
  codeBody,
  enrolmentResponse,
  mfaEnabledResponse,
  mfaStatusResponse,
  mfaVerifyBody,
  recoveryCodesResponse,
} from "../schemas/mfa";
import { tokenPairResponse } from "../schemas/token";
import { deviceOf } from "../services/devices";
import { GuessThrottle } from "../services/guess-throttle";
import { startSession } from "../services/login";
import { notifyRecoveryCodeUsed, notifySecondFactor } from "../services/mail-jobs";
import {
  codeReused,
  confirmFactor,
  enrolFactor,
  factorOf,
  recoveryCodesLeft,
  removeSecondFactor,
  replaceRecoveryCodes,
  setMfaEnabled,
  spendChallenge,
  spendRecoveryCode,
  useStep,
} from "../services/mfa";
import { type Challenge, readChallenge, samePassword } from "../services/mfa-challenge";
import { newRecoveryCodes, normalizeRecoveryCode, recoveryCodeHash } from "../services/recovery-codes";
import { revokeAllSessions } from "../services/refresh-tokens";
import { insertSession, newSession, sessionTokens } from "../services/sessions";
import type { Assurance } from "../services/tokens";
import { matchingStep, newTotpSecret, openSecret, otpauthUri, sealSecret } from "../services/totp";
import { loginAnswer } from "./token";

/** What a session that used a TOTP code or a recovery code (a one-time code too) is: RFC 8176's methods. */
const SECOND_FACTOR: Assurance = { aal: "aal2", amr: ["pwd", "otp"] };

const invalidCode = () => validationError({ code: ["Invalid code."] });
const expiredChallenge = () =>
  validationError({ ephemeral_token: ["This login has expired or was already answered: log in again."] });

/**
 * Guesses at an account's second factor, across every client (RFC 4226 §7), the owner's known devices
 * apart. `c` is any route's context: the request's device cookie is all it reads.
 */
async function codeGuesses(c: Context, env: Env, config: Config, userId: number): Promise<GuessThrottle> {
  const device = await deviceOf(config, deviceCookie(c));
  const guesser = device?.userId === userId ? { device } : { unknownClients: `user:${userId}` };
  const throttle = new GuessThrottle(env, config, "mfa", guesser);
  await throttle.check();
  return throttle;
}

/** A code's worth: a TOTP step not used before, or a recovery code not spent; null if it is neither. */
type Accepted = { step: number } | { recoveryCode: string };

/** The HMAC a code would be stored as, if it has the form of a recovery code; null for a TOTP code or junk. */
const recoveryHashOf = (config: Config, code: string) =>
  normalizeRecoveryCode(code) === null ? Promise.resolve(null) : recoveryCodeHash(config, code);

/** What a login with a second factor reads near the user (or, missing there, on the primary), in one round trip. */
async function verifyState(db: Database, userId: number, recoveryHash: string | null) {
  const [[user], [factor], codes] = await db.batch([
    db.select().from(users).where(eq(users.id, userId)),
    db.select().from(mfaFactors).where(eq(mfaFactors.userId, userId)),
    db
      .select()
      .from(recoveryCodes)
      .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.hash, recoveryHash ?? ""))),
  ]);
  return { user, factor, recoveryCode: codes[0] };
}

type VerifyState = Awaited<ReturnType<typeof verifyState>>;

async function acceptedCode(
  config: Config,
  { factor, recoveryCode }: VerifyState,
  code: string,
): Promise<Accepted | null> {
  if (!factor) return null;
  if (/^\d{6}$/.test(code)) {
    const step = matchingStep(await openSecret(config, factor.secret), code);
    // RFC 6238 §5.2: a code is accepted once; the batch's trigger decides it for concurrent requests.
    return step !== null && (factor.lastUsedStep === null || step > factor.lastUsedStep) ? { step } : null;
  }
  return recoveryCode && recoveryCode.usedAt === null ? { recoveryCode: recoveryCode.hash } : null;
}

/** The account's recovery codes, freshly made: the codes to show once, and their hashes to store. */
async function freshRecoveryCodes(config: Config) {
  const codes = newRecoveryCodes();
  return { codes, hashes: await Promise.all(codes.map((code) => recoveryCodeHash(config, code))) };
}

/** A second factor: TOTP (RFC 6238) with recovery codes, its login step, and its management (step-up). */
export const mfaRoutes = new Hono<AppEnv>()
  .get(
    "/",
    describe({
      tag: "mfa",
      summary: "The caller's second factor",
      description:
        "Never its secret nor the recovery codes themselves: only what is set up, and how many codes are left.",
      responses: ok("What is on.", mfaStatusResponse),
    }),
    permit([IsAuthenticated]),
    async (c) => {
      const { db, caller } = c.var;
      const [factor, remaining] = await Promise.all([
        factorOf(db, caller.userId),
        recoveryCodesLeft(db, caller.userId),
      ]);
      return c.json({
        enabled: factor?.confirmedAt != null,
        totp: factor
          ? {
              confirmed: factor.confirmedAt !== null,
              created_at: factor.createdAt.toISOString(),
              confirmed_at: factor.confirmedAt?.toISOString() ?? null,
            }
          : null,
        recovery_codes_remaining: remaining,
      });
    },
  )
  .post(
    "/totp/",
    describe({
      tag: "mfa",
      summary: "Start a TOTP enrolment: a secret for an authenticator app",
      description:
        "The factor is unconfirmed until POST /api/mfa/totp/confirm/ with its first code; a new enrolment " +
        "replaces an unconfirmed one. 400 when a second factor is already on.",
      responses: created("The secret and its key URI (shown once).", enrolmentResponse),
      errors: [400],
    }),
    permit([IsAuthenticated], { reads: "primary", noStore: true }),
    async (c) => {
      const { db, config } = c.var;
      const user = await c.var.user;
      const secret = newTotpSecret();
      const [enrolled] = await enrolFactor(db, user.id, await sealSecret(config, secret), new Date());
      if (!enrolled) throw nonFieldError("Two-factor authentication is already on: turn it off first.");
      return c.json({ secret, otpauth_uri: otpauthUri(secret, config.mfaIssuer, user.username) }, 201);
    },
  )
  .post(
    "/totp/confirm/",
    describe({
      tag: "mfa",
      summary: "Turn the second factor on with the enrolment's first code",
      description:
        "Answers ten recovery codes (shown once) and a fresh session at the second level (aal2); every other " +
        "session of the account ends.",
      responses: ok("On.", mfaEnabledResponse),
      errors: [429, 503],
    }),
    permit([IsAuthenticated], { reads: "primary", noStore: true }),
    validateJson(codeBody),
    async (c) => {
      const { db, config } = c.var;
      const user = await c.var.user;
      const factor = await factorOf(db, user.id);
      if (!factor || factor.confirmedAt !== null) {
        throw nonFieldError("No enrolment to confirm: start one with POST /api/mfa/totp/.");
      }
      const throttle = await codeGuesses(c, c.env, config, user.id);
      const step = matchingStep(await openSecret(config, factor.secret), c.req.valid("json").code);
      if (step === null) throw invalidCode();
      await throttle.forgive();

      const now = new Date();
      const { codes, hashes } = await freshRecoveryCodes(config);
      const session = newSession(config, c.req.header("User-Agent"), SECOND_FACTOR);
      const [results, tokens] = await Promise.all([
        db.batch([
          confirmFactor(db, user.id, step, now),
          setMfaEnabled(db, user.id, true),
          ...replaceRecoveryCodes(db, user.id, hashes, now),
          // Every session that did not use the factor ends: only aal2 sessions live from here on.
          revokeAllSessions(db, user.id, now),
          insertSession(db, session, user.id),
        ]),
        sessionTokens(config, user.id, session),
      ]);
      if (results[0].length === 0) throw invalidCode(); // another request confirmed it meanwhile
      afterResponse(c, (context) => notifySecondFactor(context, user.id, true));
      return c.json({ recovery_codes: codes, ...(await loginAnswer(c, user.id, tokens)) });
    },
  )
  .delete(
    "/totp/",
    describe({
      tag: "mfa",
      summary: "Turn the second factor off",
      description: "With a second factor on, only from a session that used it (403 `mfa_step_up_required`).",
      responses: noContent("Off: the factor and its recovery codes are gone."),
      errors: [404],
    }),
    permit([IsAuthenticated, SecondFactorWhenEnabled], { reads: "primary", noStore: true }),
    async (c) => {
      const { db, caller } = c.var;
      if (!(await factorOf(db, caller.userId))) throw notFound();
      await db.batch([...removeSecondFactor(db, caller.userId)]);
      afterResponse(c, (context) => notifySecondFactor(context, caller.userId, false));
      return c.body(null, 204);
    },
  )
  .post(
    "/recovery-codes/",
    describe({
      tag: "mfa",
      summary: "New recovery codes in place of the old ones",
      description: "Only from a session that used the second factor (403 `mfa_step_up_required`).",
      responses: ok("Ten new codes, shown once; the old ones no longer work.", recoveryCodesResponse),
      errors: [400],
    }),
    permit([IsAuthenticated, SecondFactorWhenEnabled], { reads: "primary", noStore: true }),
    async (c) => {
      const { db } = c.var;
      const user = await c.var.user;
      if (!user.mfaEnabled) throw nonFieldError("Two-factor authentication is off: there are no recovery codes.");
      const { codes, hashes } = await freshRecoveryCodes(c.var.config);
      await db.batch([...replaceRecoveryCodes(db, user.id, hashes, new Date())]);
      return c.json({ recovery_codes: codes });
    },
  )
  .post(
    "/verify/",
    describe({
      tag: "mfa",
      summary: "Log in with a second factor: the login's challenge and a code",
      description:
        "`ephemeral_token` from POST /api/token/ (valid five minutes, once, from the client that got it: its " +
        "`__Host-mfa` cookie), and a TOTP code or a recovery code. Answers as a login does, at aal2. Wrong codes " +
        "are counted per account across every client (the `mfa` throttle), the owner's known devices apart.",
      responses: ok("A new token pair (a new session, aal2).", tokenPairResponse),
      errors: [429, 503],
    }),
    // Read near the user: the session's batch re-checks on the primary what the login read (services/login.ts).
    permit([AllowAny], { authenticate: false, reads: "nearby", noStore: true }),
    validateJson(mfaVerifyBody),
    async (c) => {
      const body = c.req.valid("json");
      const challenge = await readChallenge(c.var.config, body.ephemeral_token, challengeCookie(c));
      if (!challenge) throw expiredChallenge();
      const recoveryHash = await recoveryHashOf(c.var.config, body.code);
      const [throttle, near] = await Promise.all([
        codeGuesses(c, c.env, c.var.config, challenge.userId),
        verifyState(c.var.db, challenge.userId, recoveryHash),
      ]);
      const state =
        near.user && near.factor ? near : await verifyState(c.var.primaryDb(), challenge.userId, recoveryHash);
      return answerChallenge(c, challenge, throttle, state, body.code);
    },
  );

/**
 * A challenge answered: the account still as it was when the password was checked, the code right
 * and unused; then the session, in one primary batch that spends the challenge and the code and
 * re-checks the account (services/login.ts). A code or challenge spent meanwhile aborts it.
 */
async function answerChallenge(
  c: Context<AppEnv>,
  challenge: Challenge,
  throttle: GuessThrottle,
  state: VerifyState,
  code: string,
): Promise<Response> {
  const { db, config } = c.var;
  const { user, factor } = state;
  const ready =
    user?.isActive && user.mfaEnabled && factor?.confirmedAt && (await samePassword(challenge, user.password));
  if (!ready || !user) throw expiredChallenge();
  const accepted = await acceptedCode(config, state, code);
  if (!accepted) throw invalidCode();
  // A right code was not a failed guess: its slot is given back while the session starts.
  const forgiven = throttle.forgive();

  const now = new Date();
  const spend = [
    spendChallenge(db, challenge),
    "step" in accepted
      ? useStep(db, user.id, accepted.step)
      : spendRecoveryCode(db, user.id, accepted.recoveryCode, now),
  ];
  let tokens: Awaited<ReturnType<typeof startSession>>;
  try {
    tokens = await unlessTaken(
      startSession(db, config, user, newSession(config, c.req.header("User-Agent"), SECOND_FACTOR), spend),
      {
        "spent_challenges.jti": expiredChallenge,
      },
    );
  } catch (e) {
    if (codeReused(e)) throw invalidCode();
    throw e;
  }
  // The primary has the account otherwise than as read: its password, state or factor changed.
  if (!tokens) throw expiredChallenge();
  await forgiven;
  clearChallengeCookie(c);
  if ("recoveryCode" in accepted) afterResponse(c, (context) => notifyRecoveryCodeUsed(context, user.id));
  return c.json(await loginAnswer(c, user.id, tokens));
}
