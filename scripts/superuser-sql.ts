// The SQL createsuperuser runs. `wrangler d1 execute` takes SQL text with no bound parameters, so
// every value goes in as a quoted literal. It imports only import-free files, so Node loads it as it is.
import { usernameKey } from "../src/services/usernames.ts";

/** A SQLite string literal: doubling single quotes is the only escaping a '...' literal needs. */
export const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

export type NewSuperuser = { username: string; email: string; passwordHash: string; dateJoined: Date };

/**
 * A staff, superuser and active account, with date_joined in epoch milliseconds as the API writes
 * it. A taken username inserts nothing: RETURNING then yields no row, and the script says so.
 */
export function insertSuperuserSql(user: NewSuperuser): string {
  const values = [
    sqlString(user.username),
    sqlString(usernameKey(user.username)),
    sqlString(user.email),
    sqlString(user.passwordHash),
    "1, 1, 1",
    String(user.dateJoined.getTime()),
  ].join(", ");
  return (
    "INSERT INTO users (username, username_key, email, password, is_staff, is_superuser, is_active, date_joined) " +
    `VALUES (${values}) ON CONFLICT DO NOTHING RETURNING id;`
  );
}

/**
 * Whether another account has `username` (in any case) or has verified `email` (in any case): one
 * row, `username` and `email` 0 or 1. An unverified claim on an address takes nothing from anyone.
 */
export const takenSql = (username: string, email: string) =>
  `SELECT EXISTS (SELECT 1 FROM users WHERE username_key = ${sqlString(usernameKey(username))}) AS username, ` +
  `EXISTS (SELECT 1 FROM users WHERE email <> '' AND email_verified = 1 AND lower(email) = lower(${sqlString(email)})) AS email;`;
