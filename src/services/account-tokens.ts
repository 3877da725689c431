import { and, eq, gt, inArray, isNull } from "drizzle-orm";
import { base64url } from "jose";
import type { Database } from "../db/client";
import { type AccountToken, accountTokens } from "../db/schema";

// The secrets mailed to an address (docs/accounts-and-email.md): 256 random bits each, only their
// SHA-256 stored, single use, expiring.

export type TokenPurpose = AccountToken["purpose"];

/** Seconds each kind of link works: an hour to reset a password (OWASP), three days to verify, a day to change. */
export const TOKEN_LIFETIME: Record<TokenPurpose, number> = {
  password_reset: 3600,
  verify_email: 3 * 86_400,
  email_change_new: 86_400,
  email_change_old: 86_400,
};

const SECRET_BYTES = 32;

const newSecret = () => base64url.encode(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));

/** The stored form of a secret: its SHA-256, hex. */
export async function hashSecret(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

type NewToken = {
  purpose: TokenPurpose;
  userId: number;
  email: string;
  newEmail?: string;
  changeId?: string;
};

/** A fresh secret and the row that stores its hash, unexecuted (batch it with what it belongs to). */
export async function issueToken(db: Database, token: NewToken, now = new Date()) {
  const secret = newSecret();
  const insert = db.insert(accountTokens).values({
    ...token,
    hash: await hashSecret(secret),
    createdAt: now,
    expiresAt: new Date(now.getTime() + TOKEN_LIFETIME[token.purpose] * 1000),
  });
  return { secret, insert };
}

/** A user's unused tokens of some purposes are spent (a newer one replaces them; a change kills them). Unexecuted. */
export const spendTokens = (db: Database, userId: number, purposes: readonly TokenPurpose[], now = new Date()) =>
  db
    .update(accountTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(accountTokens.userId, userId),
        isNull(accountTokens.usedAt),
        inArray(accountTokens.purpose, [...purposes]),
      ),
    );

/** The condition under which a stored token may still be used: its own hash and purpose, unused, unexpired. */
export const usable = (hash: string, purpose: TokenPurpose, now: Date) =>
  and(
    eq(accountTokens.hash, hash),
    eq(accountTokens.purpose, purpose),
    isNull(accountTokens.usedAt),
    gt(accountTokens.expiresAt, now),
  );

/** Marks one token used, if it still can be: unexecuted; its RETURNING row says whether it was. */
export const spendToken = (db: Database, hash: string, purpose: TokenPurpose, now: Date) =>
  db
    .update(accountTokens)
    .set({ usedAt: now })
    .where(usable(hash, purpose, now))
    .returning({ userId: accountTokens.userId, changeId: accountTokens.changeId, newEmail: accountTokens.newEmail });

/** Django's urlsafe_base64_encode(force_bytes(pk)): the `uid` of a reset link. */
export const encodeUid = (userId: number) => base64url.encode(String(userId));

/** The user id a `uid` names, or null if it names none (not base64url, not a canonical positive integer). */
export function decodeUid(uid: string): number | null {
  let text: string;
  try {
    text = new TextDecoder().decode(base64url.decode(uid));
  } catch {
    return null;
  }
  if (!/^[1-9][0-9]{0,15}$/.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}
