import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { users } from "../db/schema";
import type { AppEnv } from "../env";
import { nonFieldError, validationError } from "../lib/errors";
import { afterResponse } from "../middleware/background";
import { AllowAny, IsAuthenticated, SecondFactorWhenEnabled } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { throttleAddress } from "../middleware/throttle";
import { validateJson } from "../middleware/validate";
import { describe, ok } from "../openapi/describe";
import { detailResponse, emailBody, passwordResetConfirmBody } from "../schemas/recovery";
import { passwordChangedResponse } from "../schemas/token";
import { passwordChangeBody } from "../schemas/users";
import { resetAccount, resetPassword } from "../services/account-recovery";
import { spendTokens } from "../services/account-tokens";
import { notifyPasswordChanged, sendPasswordReset } from "../services/mail-jobs";
import { passwordProblems } from "../services/password-policy";
import { hashPassword, verifyPassword } from "../services/passwords";
import { revokeAllSessions } from "../services/refresh-tokens";
import { insertSession, newSession, sessionTokens } from "../services/sessions";
import { loginAnswer, rememberDevice } from "./token";

// Django's SetPasswordForm, whose errors dj-rest-auth passes through.
const PASSWORDS_DIFFER = "The two password fields didn’t match.";

/** The caller's password change, and dj-rest-auth's password reset by mail. */
export const passwordRoutes = new Hono<AppEnv>()
  .post(
    "/password/change/",
    describe({
      tag: "accounts",
      summary: "Change the caller's password",
      description:
        "Ends every session of the account, spends any pending reset link, answers a fresh token pair, and mails " +
        "a notice to the account's verified address. With a second factor on, only from a session that used it " +
        "(403 `mfa_step_up_required` otherwise).",
      responses: ok("Changed; the new token pair.", passwordChangedResponse),
    }),
    permit([IsAuthenticated, SecondFactorWhenEnabled], { reads: "primary", noStore: true }),
    validateJson(passwordChangeBody),
    async (c) => {
      const { db, config } = c.var;
      const user = await c.var.user;
      const body = c.req.valid("json");
      if (!(await verifyPassword(body.old_password, user.password))) {
        throw validationError({ old_password: ["Your old password was entered incorrectly. Please enter it again."] });
      }
      const problems = passwordProblems(body.new_password, user.username);
      if (problems.length > 0) throw validationError({ new_password: problems });
      if (body.new_password !== body.new_password_confirm) throw nonFieldError("Passwords don't match");

      // Every session ends — a thief holding any of them is out — and the caller gets a fresh one, at the
      // level of the one it changed the password with.
      const { aal, amr } = c.var.caller;
      const session = newSession(config, c.req.header("User-Agent"), { aal, amr });
      const [, tokens] = await Promise.all([
        db.batch([
          db
            .update(users)
            .set({ password: await hashPassword(body.new_password) })
            .where(eq(users.id, user.id)),
          revokeAllSessions(db, user.id, session.createdAt),
          insertSession(db, session, user.id),
          spendTokens(db, user.id, ["password_reset"], session.createdAt),
        ]),
        sessionTokens(config, user.id, session),
      ]);
      afterResponse(c, (context) => notifyPasswordChanged(context, user.id));
      return c.json({ detail: "Password updated successfully.", ...(await loginAnswer(c, user.id, tokens)) });
    },
  )
  .post(
    "/password/reset/",
    describe({
      tag: "accounts",
      summary: "Mail a password reset link",
      description:
        "Only to an active account that has verified this address; the answer, its headers and its timing are the " +
        "same for every address (the account is looked up after the response). The link works once, for an hour.",
      responses: ok("The same answer for every address.", detailResponse),
    }),
    permit([AllowAny], { throttles: ["password_reset"] }),
    validateJson(emailBody),
    async (c) => {
      const { email } = c.req.valid("json");
      await throttleAddress(c, "password_reset", email);
      afterResponse(c, (context) => sendPasswordReset(context, email));
      return c.json({ detail: "Password reset e-mail has been sent." });
    },
  )
  .post(
    "/password/reset/confirm/",
    describe({
      tag: "accounts",
      summary: "Set a new password with a mailed reset link's uid and token",
      description:
        "Ends every session of the account (its refresh and access tokens are refused at once) and does not log " +
        "anyone in: log in with the new password. A bad uid or token: 400 `Invalid value`.",
      responses: ok("The password is reset.", detailResponse),
    }),
    permit([AllowAny], { throttles: ["password_reset"], reads: "primary", noStore: true }),
    validateJson(passwordResetConfirmBody),
    async (c) => {
      const { db } = c.var;
      const body = c.req.valid("json");
      const user = await resetAccount(db, body.uid, body.token);
      if (body.new_password1 !== body.new_password2) throw validationError({ new_password2: [PASSWORDS_DIFFER] });
      const problems = passwordProblems(body.new_password2, user.username);
      if (problems.length > 0) throw validationError({ new_password2: problems });
      if (!(await resetPassword(db, user, body.token, await hashPassword(body.new_password1)))) {
        throw validationError({ token: ["Invalid value"] });
      }
      afterResponse(c, (context) => notifyPasswordChanged(context, user.id));
      // No login (OWASP), but the client that proved the mailbox and set the password is a known device.
      await rememberDevice(c, user.id);
      return c.json({ detail: "Password has been reset with the new password." });
    },
  );
