import { eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import { users } from "../db/schema";
import type { AppEnv } from "../env";
import { isUniqueViolation } from "../lib/db-errors";
import { nonFieldError, validationError } from "../lib/errors";
import { validateJson } from "../lib/validate";
import { AllowAny, permit } from "../middleware/permissions";
import { registerBody, serializeNewUser } from "../schemas/users";
import { hashPassword } from "../services/passwords";
import { passwordProblems } from "../services/password-policy";
import { insertSession, newSession, sessionTokens } from "../services/sessions";

const usernameTaken = () => validationError({ username: ["A user with that username already exists."] });

/** Registration: the tutorial's RegisterView (CreateAPIView, AllowAny) answering with a token pair. */
export const accountRoutes = new Hono<AppEnv>().post(
  "/register/",
  permit([AllowAny]),
  validateJson(registerBody),
  async (c) => {
    const { db, config } = c.var;
    const body = c.req.valid("json");

    // Field-level checks first, reported together, as a DRF serializer does.
    const errors: Record<string, string[]> = {};
    const problems = passwordProblems(body.password, body.username);
    if (problems.length > 0) errors.password = problems;
    const existing = await db.select({ id: users.id }).from(users).where(eq(users.username, body.username)).get();
    if (existing) errors.username = ["A user with that username already exists."];
    if (Object.keys(errors).length > 0) throw validationError(errors);
    // Object-level validate() runs only once every field is valid.
    if (body.password !== body.password_confirm) throw nonFieldError("Passwords don't match");

    const session = newSession(config);
    let created;
    try {
      // One batch, one transaction: the user and the first session exist together or not at all.
      [[created]] = await db.batch([
        db
          .insert(users)
          .values({
            username: body.username,
            email: body.email,
            password: await hashPassword(body.password),
            firstName: body.first_name,
            lastName: body.last_name,
          })
          .returning(),
        insertSession(db, session, sql`(select ${users.id} from ${users} where ${users.username} = ${body.username})`),
      ]);
    } catch (e) {
      // Lost a race with another registration of the same username.
      if (isUniqueViolation(e, "users.username")) throw usernameTaken();
      throw e;
    }
    const tokens = await sessionTokens(config, created!.id, session);
    c.header("Cache-Control", "no-store");
    return c.json({ user: serializeNewUser(created!), refresh: tokens.refresh, access: tokens.access }, 201);
  },
);
