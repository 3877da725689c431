import { eq, or, type SQL } from "drizzle-orm";
import { emailIs, type User, users } from "../db/schema";
import { unlessTaken } from "../lib/db-errors";
import { validationError } from "../lib/errors";

// An account's unique fields: which are taken, found before a write, and the UNIQUE indexes' refusal
// of a write that lost a race, both in Django's words.

// Django's unique-field messages, and the columns that decide them (the UNIQUE indexes on username_key
// and on lower(email)).
const TAKEN = {
  username: "A user with that username already exists.",
  email: "A user with that email already exists.",
};

/** Which of an account's unique fields another account already holds, as DRF's field errors. */
export function takenFields(
  others: readonly Pick<User, "usernameKey" | "email">[],
  wanted: { usernameKey?: string; email?: string },
): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  if (others.some((o) => o.usernameKey === wanted.usernameKey)) errors.username = [TAKEN.username];
  const email = wanted.email?.toLowerCase();
  if (email && others.some((o) => o.email.toLowerCase() === email)) errors.email = [TAKEN.email];
  return errors;
}

/** The accounts that hold `wanted`'s username or email: one query to find both. */
export function holdersOf(wanted: { usernameKey?: string; email?: string }): SQL | undefined {
  const conditions = [
    wanted.usernameKey === undefined ? undefined : eq(users.usernameKey, wanted.usernameKey),
    wanted.email ? emailIs(wanted.email) : undefined,
  ].filter((c) => c !== undefined);
  return conditions.length === 0 ? undefined : or(...conditions);
}

/** A write that lost a race to another account's username or email: the UNIQUE index's refusal as DRF's 400. */
export const uniqueAccount = <T>(write: Promise<T>) =>
  unlessTaken(write, {
    "users.username": () => validationError({ username: [TAKEN.username] }),
    users_email_ci: () => validationError({ email: [TAKEN.email] }),
  });
