import { and, count, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { mfaFactors, recoveryCodes, spentChallenges, users } from "../db/schema";
import { causes } from "../lib/errors";
import type { Challenge } from "./mfa-challenge";

// An account's second factor in D1: its TOTP factor, its recovery codes, and the challenges answered.
// Statements are returned unexecuted where they belong in a caller's batch (one transaction).

/** The account's TOTP factor, confirmed or not. */
export const factorOf = (db: Database, userId: number) =>
  db.select().from(mfaFactors).where(eq(mfaFactors.userId, userId)).get();

/** How many of the account's recovery codes are unused. */
export async function recoveryCodesLeft(db: Database, userId: number): Promise<number> {
  const [row] = await db
    .select({ left: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return row?.left ?? 0;
}

/**
 * An enrolment: the sealed secret, replacing an unconfirmed factor's but never a confirmed one's
 * (RETURNING is then empty: the account already has a second factor).
 */
export const enrolFactor = (db: Database, userId: number, sealedSecret: string, now: Date) =>
  db
    .insert(mfaFactors)
    .values({ userId, secret: sealedSecret, createdAt: now })
    .onConflictDoUpdate({
      target: mfaFactors.userId,
      set: { secret: sealedSecret, createdAt: now },
      setWhere: isNull(mfaFactors.confirmedAt),
    })
    .returning({ userId: mfaFactors.userId });

/** The factor confirmed by the code of `step`, once (RETURNING is empty if it was confirmed meanwhile). */
export const confirmFactor = (db: Database, userId: number, step: number, now: Date) =>
  db
    .update(mfaFactors)
    .set({ confirmedAt: now, lastUsedStep: step })
    .where(and(eq(mfaFactors.userId, userId), isNull(mfaFactors.confirmedAt)))
    .returning({ userId: mfaFactors.userId });

/** The account's second factor on or off: the flag every login reads. */
export const setMfaEnabled = (db: Database, userId: number, enabled: boolean) =>
  db.update(users).set({ mfaEnabled: enabled }).where(eq(users.id, userId));

/** Fresh recovery codes (their hashes) in place of the account's old ones: two statements. */
export const replaceRecoveryCodes = (db: Database, userId: number, hashes: readonly string[], now: Date) =>
  [
    db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
    db.insert(recoveryCodes).values(hashes.map((hash) => ({ hash, userId, createdAt: now }))),
  ] as const;

/** The second factor off: factor and codes gone, the flag down. */
export const removeSecondFactor = (db: Database, userId: number) =>
  [
    db.delete(mfaFactors).where(eq(mfaFactors.userId, userId)),
    db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
    setMfaEnabled(db, userId, false),
  ] as const;

/** A TOTP code of `step` accepted: the factor's step moves forward, or (a trigger) the batch aborts. */
export const useStep = (db: Database, userId: number, step: number) =>
  db.update(mfaFactors).set({ lastUsedStep: step }).where(eq(mfaFactors.userId, userId));

/** A recovery code spent, or (a trigger) the batch aborts because it already was. */
export const spendRecoveryCode = (db: Database, userId: number, hash: string, now: Date) =>
  db
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.hash, hash)));

/** The challenge answered: a second answer fails the UNIQUE key and aborts its batch. */
export const spendChallenge = (db: Database, challenge: Challenge) =>
  db.insert(spentChallenges).values({ jti: challenge.jti, expiresAt: challenge.expiresAt });

/** What migration 0008's triggers say when a code comes a second time. */
const CODE_REUSED = "mfa_guard: the code was already used";

/** Whether a batch was aborted because a code it spent had been spent already (a replay, or a lost race). */
export const codeReused = (error: unknown) => [...causes(error)].some((e) => e.message.includes(CODE_REUSED));
