import { and, desc, eq } from "drizzle-orm";
import { emailIs, type User, users } from "../db/schema";
import { logLine } from "../lib/log";
import { randomId } from "../lib/random-id";
import { encodeUid, issueToken, spendTokens, TOKEN_LIFETIME } from "./account-tokens";
import { otherVerifiedHolder, verifiedHolder } from "./accounts";
import { askLimiter, LimiterUnavailable } from "./limiter";
import { deliver, type MailContext } from "./mail";
import {
  accountExistsMail,
  emailChangeNewMail,
  emailChangeOldMail,
  passwordChangedMail,
  passwordResetMail,
  recoveryCodeUsedMail,
  secondFactorMail,
  verifyEmailMail,
} from "./mail-templates";
import { recoveryCodesLeft } from "./mfa";

// The mails of account recovery, each a job run after the response (lib/background.ts): whether an
// account exists is found out here, where no answer and no timing can show it.

/** How many accounts' unverified claims on one address a resend mails at most. */
const MAX_CLAIMS_MAILED = 3;

/** The mails a cooldown counts apart: a reset right after a verification link must still go. */
type MailKind = "verification" | "password_reset" | "email_change";

/**
 * Whether `address` may be sent another mail of this kind now: the `mail_cooldown` throttle drops a
 * mail (the request was already answered, the same way for every address) rather than refuse
 * anything. Without the limiter the mail goes: the requests that cause mails are throttled on their own.
 */
async function cooledDown({ env, config, requestId }: MailContext, kind: MailKind, address: string): Promise<boolean> {
  const rate = config.throttleRates.mail_cooldown;
  if (rate === null) return true;
  try {
    const window = { scope: "mail_cooldown", ...rate };
    const [verdict] = await askLimiter(env, `mail:${kind}:${address.toLowerCase()}`, [window], Date.now());
    return verdict!.allowed;
  } catch (e) {
    if (!(e instanceof LimiterUnavailable)) throw e;
    logLine("warn", { event: "mail_cooldown_unavailable", request_id: requestId });
    return true;
  }
}

const accountById = (context: MailContext, userId: number) =>
  context.db.select().from(users).where(eq(users.id, userId)).get();

/** A verification link for the account's address, or, if another account has it verified, a word to that owner. */
async function mailVerification(context: MailContext, user: User): Promise<void> {
  const { db, config } = context;
  const holder = await otherVerifiedHolder(db, user.email, user.id);
  if (holder) return deliver(context, "account_exists", accountExistsMail(user.email, holder.username));
  const { secret, insert } = await issueToken(db, { purpose: "verify_email", userId: user.id, email: user.email });
  await db.batch([spendTokens(db, user.id, ["verify_email"]), insert]);
  const url = config.mail.links.verifyEmail({ key: secret });
  await deliver(context, "verify_email", verifyEmailMail(user.email, user.username, url, TOKEN_LIFETIME.verify_email));
}

/** After a registration with an address: its verification link. */
export async function sendVerification(context: MailContext, userId: number): Promise<void> {
  const user = await accountById(context, userId);
  if (!user || user.email === "" || user.emailVerified) return;
  if (await cooledDown(context, "verification", user.email)) await mailVerification(context, user);
}

/** dj-rest-auth's resend-email: a new link to each account that claims `email` unverified (none if one has it verified). */
export async function resendVerification(context: MailContext, email: string): Promise<void> {
  if (!(await cooledDown(context, "verification", email))) return;
  const claims = await context.db
    .select()
    .from(users)
    .where(and(eq(users.emailVerified, false), eq(users.isActive, true), emailIs(email)))
    .orderBy(desc(users.dateJoined))
    .limit(MAX_CLAIMS_MAILED);
  for (const user of claims) await mailVerification(context, user);
}

/** A reset link, only to an active account that has verified `email`; nothing to anyone else. */
export async function sendPasswordReset(context: MailContext, email: string): Promise<void> {
  if (!(await cooledDown(context, "password_reset", email))) return;
  const { db, config } = context;
  const user = await db
    .select()
    .from(users)
    .where(and(verifiedHolder(email), eq(users.isActive, true)))
    .get();
  if (!user) return;
  const { secret, insert } = await issueToken(db, { purpose: "password_reset", userId: user.id, email: user.email });
  // Only the newest link works.
  await db.batch([spendTokens(db, user.id, ["password_reset"]), insert]);
  const url = config.mail.links.passwordReset({ uid: encodeUid(user.id), token: secret });
  await deliver(
    context,
    "password_reset",
    passwordResetMail(user.email, user.username, url, TOKEN_LIFETIME.password_reset),
  );
}

/**
 * An email change: a link to the new address and, when the current one is verified, a second link to
 * it (Supabase's secure email change: both must confirm). An address another account has verified
 * gets nothing, and the caller is not told. A newer change replaces a pending one.
 */
export async function sendEmailChange(context: MailContext, userId: number, newEmail: string): Promise<void> {
  if (!(await cooledDown(context, "email_change", newEmail))) return;
  const { db, config } = context;
  const user = await accountById(context, userId);
  if (!user?.isActive || (await otherVerifiedHolder(db, newEmail, userId))) return;
  const changeId = randomId();
  const toNew = await issueToken(db, { purpose: "email_change_new", userId, email: newEmail, newEmail, changeId });
  const confirmsOld = user.emailVerified && user.email !== "";
  const toOld = confirmsOld
    ? await issueToken(db, { purpose: "email_change_old", userId, email: user.email, newEmail, changeId })
    : null;
  await db.batch([
    spendTokens(db, userId, ["email_change_new", "email_change_old"]),
    toNew.insert,
    ...(toOld ? [toOld.insert] : []),
  ]);
  const lifetime = TOKEN_LIFETIME.email_change_new;
  const link = (secret: string) => config.mail.links.emailChange({ key: secret });
  await Promise.all([
    deliver(context, "email_change", emailChangeNewMail(newEmail, user.username, link(toNew.secret), lifetime)),
    toOld &&
      deliver(
        context,
        "email_change",
        emailChangeOldMail(user.email, user.username, newEmail, link(toOld.secret), lifetime),
      ),
  ]);
}

/** "Your password was changed", to the account's verified address (a password change or a reset). */
export async function notifyPasswordChanged(context: MailContext, userId: number): Promise<void> {
  const user = await accountById(context, userId);
  if (!user?.emailVerified || user.email === "") return;
  await deliver(context, "password_changed", passwordChangedMail(user.email, user.username));
}

/** The second factor turned on or off: a word to the account's verified address. */
export async function notifySecondFactor(context: MailContext, userId: number, on: boolean): Promise<void> {
  const user = await accountById(context, userId);
  if (!user?.emailVerified || user.email === "") return;
  await deliver(context, "second_factor", secondFactorMail(user.email, user.username, on));
}

/** A recovery code logged in: a word to the account's verified address, with how many remain. */
export async function notifyRecoveryCodeUsed(context: MailContext, userId: number): Promise<void> {
  const user = await accountById(context, userId);
  if (!user?.emailVerified || user.email === "") return;
  const remaining = await recoveryCodesLeft(context.db, userId);
  await deliver(context, "recovery_code_used", recoveryCodeUsedMail(user.email, user.username, remaining));
}
