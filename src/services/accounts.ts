import { and, eq, exists, ne, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Database } from "../db/client";
import { emailIs, users } from "../db/schema";
import { unlessTaken } from "../lib/db-errors";
import { validationError } from "../lib/errors";

// An account's unique fields. A username is one account's from registration on. An email is only a
// claim until the account verifies it: claims never block anyone (a squatter's claim must not stop
// the owner), and the account that verifies an address releases every other account's claim on it.

/** Django's unique-field messages. */
export const TAKEN = {
  username: "A user with that username already exists.",
  email: "A user with that email already exists.",
};

/** The account that has verified `email`, as the unique index compares addresses (any case). */
export const verifiedHolder = (email: string): SQL => and(emailIs(email), eq(users.emailVerified, true))!;

/** The account holding `email` verified, other than `userId`'s own, if any. */
export const otherVerifiedHolder = (db: Database, email: string, userId: number) =>
  db
    .select({ id: users.id, username: users.username })
    .from(users)
    .where(and(verifiedHolder(email), ne(users.id, userId)))
    .get();

/** A write that lost a race to another account's username or verified email: the UNIQUE index's refusal as DRF's 400. */
export const uniqueAccount = <T>(write: Promise<T>) =>
  unlessTaken(write, {
    "users.username": () => validationError({ username: [TAKEN.username] }),
    users_verified_email: () => validationError({ email: [TAKEN.email] }),
  });

/** The account a verification gives an address to, as seen from a statement on the other accounts. */
const holder = alias(users, "holder");

/**
 * Every other account's unverified claim on `email` is released (its email blanked), once `userId`
 * holds it verified: unexecuted, for the batch that verifies it (it does nothing if that did not).
 */
export const releaseClaims = (db: Database, email: string, userId: number) =>
  db
    .update(users)
    .set({ email: "" })
    .where(
      and(
        emailIs(email),
        eq(users.emailVerified, false),
        ne(users.id, userId),
        exists(
          db
            .select({ id: holder.id })
            .from(holder)
            .where(
              and(eq(holder.id, userId), eq(holder.emailVerified, true), sql`lower(${holder.email}) = lower(${email})`),
            ),
        ),
      ),
    );
