import { eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import { users } from "../db/schema";
import type { AppEnv } from "../env";
import { nonFieldError, validationError } from "../lib/errors";
import { afterResponse } from "../middleware/background";
import { AllowAny } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { throttleAddress } from "../middleware/throttle";
import { validateJson } from "../middleware/validate";
import { created, describe, ok } from "../openapi/describe";
import { detailResponse, emailBody, verifyEmailBody } from "../schemas/recovery";
import { registrationResponse } from "../schemas/token";
import { registerBody, serializeNewUser } from "../schemas/users";
import { verifyEmail } from "../services/account-recovery";
import { TAKEN, uniqueAccount } from "../services/accounts";
import { resendVerification, sendVerification } from "../services/mail-jobs";
import { passwordProblems } from "../services/password-policy";
import { hashPassword } from "../services/passwords";
import { insertSession, newSession, sessionTokens } from "../services/sessions";
import { usernameKey } from "../services/usernames";
import { loginAnswer } from "./token";

/**
 * Registration (the tutorial's RegisterView, answering with a token pair) and the verification of the
 * address it gives (dj-rest-auth's registration views). An address is only a claim until verified:
 * registration never says an address is taken (that would tell anyone which addresses have accounts).
 */
export const registrationRoutes = new Hono<AppEnv>()
  .post(
    "/register/",
    describe({
      tag: "accounts",
      summary: "Create an account",
      description:
        "With an `email`, a verification link is mailed to it (`email_verified` is false until it is followed). " +
        "An address another account has verified is not refused: that account's owner is told instead.",
      responses: created("The account and its first token pair.", registrationResponse),
    }),
    permit([AllowAny], { reads: "primary", noStore: true }),
    validateJson(registerBody),
    async (c) => {
      const { db, config } = c.var;
      const body = c.req.valid("json");

      // Field-level checks first, reported together, as a DRF serializer does.
      const errors: Record<string, string[]> = {};
      const problems = passwordProblems(body.password, body.username);
      if (problems.length > 0) errors.password = problems;
      const key = usernameKey(body.username);
      if (await db.select({ id: users.id }).from(users).where(eq(users.usernameKey, key)).get()) {
        errors.username = [TAKEN.username];
      }
      if (Object.keys(errors).length > 0) throw validationError(errors);
      // Object-level validate() runs only once every field is valid.
      if (body.password !== body.password_confirm) throw nonFieldError("Passwords don't match");

      const session = newSession(config, c.req.header("User-Agent"));
      // One batch, one transaction: the user and the first session exist together or not at all.
      const [[account]] = await uniqueAccount(
        db.batch([
          db
            .insert(users)
            .values({
              username: body.username,
              usernameKey: key,
              email: body.email,
              password: await hashPassword(body.password),
              firstName: body.first_name,
              lastName: body.last_name,
            })
            .returning(),
          insertSession(db, session, sql`(select ${users.id} from ${users} where ${users.usernameKey} = ${key})`),
        ]),
      );
      if (account!.email !== "") afterResponse(c, (context) => sendVerification(context, account!.id));
      const tokens = await sessionTokens(config, account!.id, session);
      return c.json({ user: serializeNewUser(account!), ...(await loginAnswer(c, account!.id, tokens)) }, 201);
    },
  )
  .post(
    "/registration/verify-email/",
    describe({
      tag: "accounts",
      summary: "Verify an email address (the key of the mailed link)",
      description:
        "The account then holds its address verified: it logs in by it and can reset its password. Any other " +
        "account's unverified claim on the address is released. A key works once.",
      responses: ok("Verified.", detailResponse),
      errors: [404],
    }),
    permit([AllowAny], { throttles: ["email_verify"], reads: "primary", noStore: true }),
    validateJson(verifyEmailBody),
    async (c) => {
      await verifyEmail(c.var.db, c.req.valid("json").key);
      return c.json({ detail: "ok" });
    },
  )
  .post(
    "/registration/resend-email/",
    describe({
      tag: "accounts",
      summary: "Mail a new verification link",
      description:
        "To every account that claims this address unverified (an account made before verification existed, " +
        "or one whose link expired). Always the same answer, whether or not any account has the address.",
      responses: ok("Sent, if an account claims the address.", detailResponse),
    }),
    permit([AllowAny], { throttles: ["email_verify"] }),
    validateJson(emailBody),
    async (c) => {
      const { email } = c.req.valid("json");
      await throttleAddress(c, "email_verify", email);
      afterResponse(c, (context) => resendVerification(context, email));
      return c.json({ detail: "ok" });
    },
  );
