import { and, eq, exists, gt, inArray, isNull, notExists, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { accountTokens, sessions, type User, users } from "../db/schema";
import { unlessTaken } from "../lib/db-errors";
import { notFound, validationError } from "../lib/errors";
import { decodeUid, hashSecret, spendToken, spendTokens, usable } from "./account-tokens";
import { releaseClaims } from "./accounts";

// Using what a mailed link carries. Each use is one batch (one transaction on the primary) whose
// statements re-check, in their own conditions, that the token is still unused and unexpired, and
// spend it last: of any number of concurrent uses exactly one changes anything.

/** A key that cannot be used (unknown, used, expired, or its address taken meanwhile): dj-rest-auth's 404. */
const keyRefused = () => notFound();

/** The address an account verifies belongs to it, even if another account verified it in the meantime. */
const unlessAddressTaken = <T>(write: Promise<T>) => unlessTaken(write, { users_verified_email: keyRefused });

/**
 * dj-rest-auth's verify-email: the key's account now holds its address verified, and every other
 * account's unverified claim on it is released. The address must still be the account's own.
 */
export async function verifyEmail(db: Database, key: string): Promise<void> {
  const [hash, now] = [await hashSecret(key), new Date()];
  const token = await db
    .select()
    .from(accountTokens)
    .where(usable(hash, "verify_email", now))
    .get();
  if (!token) throw keyRefused();
  const stillUsable = exists(
    db
      .select({ hash: accountTokens.hash })
      .from(accountTokens)
      .where(usable(hash, "verify_email", now)),
  );
  const [[verified]] = await unlessAddressTaken(
    db.batch([
      db
        .update(users)
        .set({ emailVerified: true })
        .where(and(eq(users.id, token.userId), sql`lower(${users.email}) = lower(${token.email})`, stillUsable))
        .returning({ id: users.id }),
      releaseClaims(db, token.email, token.userId),
      spendToken(db, hash, "verify_email", now),
    ]),
  );
  if (!verified) throw keyRefused();
}

/** dj-rest-auth's reset confirm errors, as its serializer words them. */
const invalidUid = () => validationError({ uid: ["Invalid value"] });
const invalidToken = () => validationError({ token: ["Invalid value"] });

/**
 * A reset token is usable for an account while it is unused, unexpired, and still about the account's
 * verified address: a change of address kills it, and a change of password spends it (resetPassword,
 * and the password change, spend every pending one).
 */
const resetUsable = (db: Database, hash: string, userId: number, now: Date) =>
  exists(
    db
      .select({ hash: accountTokens.hash })
      .from(accountTokens)
      .innerJoin(users, eq(users.id, accountTokens.userId))
      .where(
        and(
          usable(hash, "password_reset", now),
          eq(accountTokens.userId, userId),
          eq(users.emailVerified, true),
          sql`lower(${users.email}) = lower(${accountTokens.email})`,
        ),
      ),
  );

/** The account a reset link's uid and token name, checked without spending the token: the 400s come first. */
export async function resetAccount(db: Database, uid: string, token: string): Promise<User> {
  const userId = decodeUid(uid);
  const user = userId === null ? undefined : await db.select().from(users).where(eq(users.id, userId)).get();
  if (!user) throw invalidUid();
  const [hash, now] = [await hashSecret(token), new Date()];
  const found = await db
    .select({ hash: accountTokens.hash })
    .from(accountTokens)
    .where(and(eq(accountTokens.hash, hash), resetUsable(db, hash, user.id, now)))
    .get();
  if (!found) throw invalidToken();
  return user;
}

/**
 * Sets the password a reset link allows, ends every session of the account (its refresh and access
 * tokens are refused from the next request) and spends every pending reset token: all or nothing, and
 * once. False when the token was spent in the meantime (another confirm won).
 */
export async function resetPassword(db: Database, user: User, token: string, passwordHash: string): Promise<boolean> {
  const [hash, now] = [await hashSecret(token), new Date()];
  const stillUsable = resetUsable(db, hash, user.id, now);
  const [[changed]] = await db.batch([
    db
      .update(users)
      .set({ password: passwordHash })
      .where(and(eq(users.id, user.id), stillUsable))
      .returning({ id: users.id }),
    db
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.userId, user.id), isNull(sessions.revokedAt), stillUsable)),
    spendTokens(db, user.id, ["password_reset"], now),
  ]);
  return changed !== undefined;
}

/**
 * One side of an email change is confirmed; once every side is (both addresses, or only the new one
 * when the old was not verified), the account's address is the new one, verified, and other accounts'
 * claims on it are released. "pending" while the other side has not confirmed.
 */
export async function confirmEmailChange(db: Database, key: string): Promise<"changed" | "pending"> {
  const [hash, now] = [await hashSecret(key), new Date()];
  const token = await db
    .select()
    .from(accountTokens)
    .where(
      and(
        eq(accountTokens.hash, hash),
        inArray(accountTokens.purpose, ["email_change_new", "email_change_old"]),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, now),
      ),
    )
    .get();
  if (!token?.changeId || !token.newEmail) throw keyRefused();
  const [[spent], [changed]] = await unlessAddressTaken(
    db.batch([
      spendToken(db, hash, token.purpose, now),
      db
        .update(users)
        .set({ email: token.newEmail, emailVerified: true })
        .where(
          and(
            eq(users.id, token.userId),
            // Every token of the change is spent, this one included (above, in this transaction).
            notExists(
              db
                .select({ hash: accountTokens.hash })
                .from(accountTokens)
                .where(and(eq(accountTokens.changeId, token.changeId), isNull(accountTokens.usedAt))),
            ),
          ),
        )
        .returning({ id: users.id }),
      releaseClaims(db, token.newEmail, token.userId),
    ]),
  );
  if (!spent) throw keyRefused();
  return changed ? "changed" : "pending";
}
