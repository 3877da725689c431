import { and, desc, eq, ne, sql } from "drizzle-orm";
import { Hono } from "hono";
import { type User, users } from "../db/schema";
import type { AppEnv } from "../env";
import { notFound, permissionDenied, validationError } from "../lib/errors";
import { getObject } from "../middleware/get-object";
import { IsAdminUser, IsAuthenticated } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { validateJson } from "../middleware/validate";
import { describe, listOf, noContent, ok } from "../openapi/describe";
import { adminUserPatch, serializeUser, userResponse } from "../schemas/users";
import { otherVerifiedHolder, TAKEN, uniqueAccount } from "../services/accounts";
import { clearLoginFailures } from "../services/guess-throttle";
import { revokeAllSessions } from "../services/refresh-tokens";
import { usernameKey } from "../services/usernames";

/** get_object() for staff: runs after IsAdminUser, so a non-staff caller learns nothing (403 first). */
const accountObject = getObject<User>(
  (c, id) => (id === null ? Promise.resolve(undefined) : c.var.db.select().from(users).where(eq(users.id, id)).get()),
  () => notFound("User"),
);

/** An account that can still administer: superuser, staff (IsAdminUser) and active. */
const administers = and(eq(users.isSuperuser, true), eq(users.isStaff, true), eq(users.isActive, true));

/**
 * The superuser boundary, which DRF's IsAdminUser alone does not draw: staff who are not superusers may
 * neither touch a superuser's account nor grant or remove is_staff (a staff member could otherwise lock
 * the superuser out, or hand out admin rights).
 */
function checkSuperuserBoundary(caller: User, account: User, changes: { isStaff?: boolean }) {
  if (caller.isSuperuser) return;
  const changesStaff = changes.isStaff !== undefined && changes.isStaff !== account.isStaff;
  if (account.isSuperuser || changesStaff) throw permissionDenied();
}

const LAST_SUPERUSER = "This would leave no active superuser: make another account a superuser first.";

/** The caller's own account, and account administration for staff (DRF's IsAdminUser: is_staff). */
export const userRoutes = new Hono<AppEnv>()
  .get(
    "/me/",
    describe({
      tag: "users",
      summary: "The caller's account",
      description:
        "The account of the access token sent. Its email changes through `POST /api/email/change/`, its password " +
        "through `POST /api/password/change/`.",
      responses: ok("The account.", userResponse),
    }),
    permit([IsAuthenticated]),
    async (c) => c.json(serializeUser(await c.var.user)),
  )
  .get(
    "/",
    describe({
      tag: "users",
      summary: "Every account (staff)",
      description: "Newest first, not paginated. Only for `is_staff` accounts (DRF's IsAdminUser).",
      responses: ok("The accounts.", listOf(userResponse)),
    }),
    permit([IsAdminUser]),
    async (c) => {
      const rows = await c.var.db.select().from(users).orderBy(desc(users.dateJoined), desc(users.id));
      return c.json(rows.map(serializeUser));
    },
  )
  .get(
    "/:id{[0-9]+}/",
    describe({
      tag: "users",
      summary: "One account (staff)",
      description:
        "Only for `is_staff` accounts; any other is refused (403) before the id is looked up, so it learns nothing.",
      responses: ok("The account.", userResponse),
    }),
    permit([IsAdminUser]),
    accountObject,
    (c) => c.json(serializeUser(c.var.found)),
  )
  // Ends every session of the account: its refresh and access tokens are refused from the next request.
  .delete(
    "/:id{[0-9]+}/sessions/",
    describe({
      tag: "users",
      summary: "End every session of an account (staff)",
      description: "Only a superuser may do it for a superuser.",
      responses: noContent("Ended."),
      errors: [403],
    }),
    permit([IsAdminUser], { reads: "primary" }),
    accountObject,
    async (c) => {
      checkSuperuserBoundary(await c.var.user, c.var.found, {});
      await revokeAllSessions(c.var.db, c.var.found.id);
      return c.body(null, 204);
    },
  )
  // An account locked out by guesses from unknown clients: its failed logins are forgotten. Staff who
  // are not superusers cannot do it for a superuser (they could otherwise keep guessing its password).
  .delete(
    "/:id{[0-9]+}/login-failures/",
    describe({
      tag: "users",
      summary: "Forget an account's failed logins from unknown clients (staff)",
      description:
        "Lifts a lockout of the `login` throttle. Known devices keep their own counts. Only a superuser may do it for a superuser.",
      responses: noContent("Forgotten."),
      errors: [403, 503],
    }),
    permit([IsAdminUser], { reads: "primary" }),
    accountObject,
    async (c) => {
      checkSuperuserBoundary(await c.var.user, c.var.found, {});
      await clearLoginFailures(c.env, c.var.found.usernameKey);
      return c.body(null, 204);
    },
  )
  // A deactivated user's next request fails authentication (401 user_inactive): the flag is read on every request.
  .patch(
    "/:id{[0-9]+}/",
    describe({
      tag: "users",
      summary: "Change an account: names, email, is_active, is_staff (staff)",
      description:
        "A new email is left unverified. Only a superuser may change a superuser or anyone's `is_staff`, and the " +
        "last active superuser cannot be deactivated or lose `is_staff`.",
      responses: ok("The changed account.", userResponse),
    }),
    permit([IsAdminUser], { reads: "primary" }),
    accountObject,
    validateJson(adminUserPatch),
    async (c) => {
      const account = c.var.found;
      const input = c.req.valid("json");
      // A staff edit of the address leaves it unverified: only its owner can prove it is theirs.
      const newEmail = input.email !== undefined && input.email.toLowerCase() !== account.email.toLowerCase();
      const changes = {
        username: input.username,
        usernameKey: input.username === undefined ? undefined : usernameKey(input.username),
        email: input.email,
        emailVerified: newEmail ? false : undefined,
        firstName: input.first_name,
        lastName: input.last_name,
        isActive: input.is_active,
        isStaff: input.is_staff,
      };
      checkSuperuserBoundary(await c.var.user, account, changes);
      // An address another account has verified is that account's: staff see the refusal (they may know).
      if (newEmail && (await otherVerifiedHolder(c.var.db, input.email!, account.id))) {
        throw validationError({ email: [TAKEN.email] });
      }
      // An empty PATCH is valid and changes nothing (users has no updated_at to touch; Drizzle refuses an empty SET).
      if (Object.values(changes).every((v) => v === undefined)) return c.json(serializeUser(account));

      // Nobody may take the last active superuser out of administering — themselves included. Decided in
      // the UPDATE itself, so two superusers stepping down at once cannot both succeed.
      const stepsDown = account.isSuperuser && (changes.isActive === false || changes.isStaff === false);
      // (Inside the subquery, "users" names the subquery's own rows: SQL resolves names innermost first.)
      const guard = stepsDown
        ? sql`exists (select 1 from ${users} where ${and(administers, ne(users.id, account.id))})`
        : undefined;
      const [updated] = await uniqueAccount(
        c.var.db
          .update(users)
          .set(changes)
          .where(and(eq(users.id, account.id), guard))
          .returning(),
      );
      if (updated) return c.json(serializeUser(updated));
      if (stepsDown)
        throw validationError({ [changes.isActive === false ? "is_active" : "is_staff"]: [LAST_SUPERUSER] });
      throw notFound("User");
    },
  );
