import { eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import { users } from "../db/schema";
import type { AppEnv } from "../env";
import { deliverRefresh } from "../lib/cookies";
import { nonFieldError, validationError } from "../lib/errors";
import { AllowAny, IsAuthenticated } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { validateJson } from "../middleware/validate";
import { created, describe, ok } from "../openapi/describe";
import { passwordChangedResponse, registrationResponse } from "../schemas/token";
import { passwordChangeBody, registerBody, serializeNewUser } from "../schemas/users";
import { holdersOf, takenFields, uniqueAccount } from "../services/accounts";
import { passwordProblems } from "../services/password-policy";
import { hashPassword, verifyPassword } from "../services/passwords";
import { revokeAllSessions } from "../services/refresh-tokens";
import { insertSession, newSession, sessionTokens } from "../services/sessions";
import { usernameKey } from "../services/usernames";

/** Registration (the tutorial's RegisterView, answering with a token pair) and password change. */
export const accountRoutes = new Hono<AppEnv>()
  .post(
    "/register/",
    describe({
      tag: "accounts",
      summary: "Create an account",
      responses: created("The account and its first token pair.", registrationResponse),
    }),
    permit([AllowAny], { primary: true }),
    validateJson(registerBody),
    async (c) => {
      const { db, config } = c.var;
      const body = c.req.valid("json");

      // Field-level checks first, reported together, as a DRF serializer does.
      const errors: Record<string, string[]> = {};
      const problems = passwordProblems(body.password, body.username);
      if (problems.length > 0) errors.password = problems;
      const wanted = { usernameKey: usernameKey(body.username), email: body.email };
      const holders = await db.select().from(users).where(holdersOf(wanted));
      Object.assign(errors, takenFields(holders, wanted));
      if (Object.keys(errors).length > 0) throw validationError(errors);
      // Object-level validate() runs only once every field is valid.
      if (body.password !== body.password_confirm) throw nonFieldError("Passwords don't match");

      const session = newSession(config, c.req.header("User-Agent"));
      // One batch, one transaction: the user and the first session exist together or not at all.
      const [[created]] = await uniqueAccount(
        db.batch([
          db
            .insert(users)
            .values({
              username: body.username,
              usernameKey: wanted.usernameKey,
              email: body.email,
              password: await hashPassword(body.password),
              firstName: body.first_name,
              lastName: body.last_name,
            })
            .returning(),
          insertSession(
            db,
            session,
            sql`(select ${users.id} from ${users} where ${users.usernameKey} = ${wanted.usernameKey})`,
          ),
        ]),
      );
      const tokens = await sessionTokens(config, created!.id, session);
      c.header("Cache-Control", "no-store");
      const refresh = deliverRefresh(c, tokens.refresh, tokens.refreshClaims.exp);
      return c.json({ user: serializeNewUser(created!), ...refresh, access: tokens.access }, 201);
    },
  )
  .post(
    "/password/change/",
    describe({
      tag: "accounts",
      summary: "Change the caller's password",
      description: "Ends every session of the account and answers a fresh token pair.",
      responses: ok("Changed; the new token pair.", passwordChangedResponse),
    }),
    permit([IsAuthenticated], { primary: true }),
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

      // Every session ends — a thief holding any of them is out — and the caller gets a fresh one.
      const session = newSession(config, c.req.header("User-Agent"));
      const [, tokens] = await Promise.all([
        db.batch([
          db
            .update(users)
            .set({ password: await hashPassword(body.new_password) })
            .where(eq(users.id, user.id)),
          revokeAllSessions(db, user.id, session.createdAt),
          insertSession(db, session, user.id),
        ]),
        sessionTokens(config, user.id, session),
      ]);
      c.header("Cache-Control", "no-store");
      const refresh = deliverRefresh(c, tokens.refresh, tokens.refreshClaims.exp);
      return c.json({ detail: "Password updated successfully.", ...refresh, access: tokens.access });
    },
  );
