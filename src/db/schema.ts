import { type SQL, sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Timestamps are written from JS (not SQL defaults) so that one clock — Date.now — governs the
// app, jose and the tests' fake timers.
const timestampMs = (name: string) => integer(name, { mode: "timestamp_ms" });

/** Django's TimeStampedModel: set on insert, refreshed on every update. */
export const timestamps = {
  createdAt: timestampMs("created_at")
    .notNull()
    .$defaultFn(() => new Date()),
  updatedAt: timestampMs("updated_at")
    .notNull()
    .$defaultFn(() => new Date())
    .$onUpdateFn(() => new Date()),
};

/**
 * An update's values with updated_at named. Django's save() refreshes it even when a PATCH changes
 * nothing, and Drizzle refuses an UPDATE whose values are all undefined before $onUpdateFn runs.
 */
export const touched = <T extends object>(values: T) => ({ ...values, updatedAt: new Date() });

/** Soft delete: rows with a deleted_at are hidden from the default queries of their resource. */
export const softDelete = {
  deletedAt: timestampMs("deleted_at"),
};

/** The user who owns a row; rows go with their owner. */
export const owner = () => ({
  ownerId: integer("owner_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
});

/** Django's AbstractUser, field for field, plus the key usernames are compared by. */
export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    username: text("username", { length: 150 }).notNull().unique(),
    /** The username as uniqueness and login compare it (usernameKey): one account per name, whatever its case or width. */
    usernameKey: text("username_key").notNull().unique(),
    email: text("email", { length: 254 }).notNull().default(""),
    /**
     * Whether the account has proven that `email` is its own (a link mailed there was followed). Only a
     * verified address logs in, receives a password reset, and is the account's for good: an unverified
     * one is a claim that blocks nobody (services/accounts.ts).
     */
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
    /** Whether a confirmed second factor guards the account: logins then need it (routes/mfa.ts). */
    mfaEnabled: integer("mfa_enabled", { mode: "boolean" }).notNull().default(false),
    password: text("password", { length: 128 }).notNull(),
    firstName: text("first_name", { length: 150 }).notNull().default(""),
    lastName: text("last_name", { length: 150 }).notNull().default(""),
    isStaff: integer("is_staff", { mode: "boolean" }).notNull().default(false),
    isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
    isSuperuser: integer("is_superuser", { mode: "boolean" }).notNull().default(false),
    dateJoined: timestampMs("date_joined")
      .notNull()
      .$defaultFn(() => new Date()),
    lastLogin: timestampMs("last_login"),
  },
  // One account per verified email, whatever its case (a blank email is no email). SQLite's lower()
  // folds ASCII. Unverified claims are not unique: a squatter's claim must not block the owner.
  (t) => [
    uniqueIndex("users_verified_email")
      .on(sql`lower(${t.email})`)
      .where(sql`${t.email} <> '' and ${t.emailVerified} = 1`),
  ],
);

/** The rows whose email is `email`, compared as the unique index compares them (verified or not). */
export const emailIs = (email: string): SQL => sql`lower(${users.email}) = lower(${email}) and ${users.email} <> ''`;

/**
 * One row per login session: every refresh token rotated from one login, and the access tokens minted
 * from them, belong to it (tokens name it in their `fam` claim: services/tokens.ts).
 * `currentJti` names the only refresh token of the session that may still be used: rotation is a
 * compare-and-set on it, so it is single-use even under concurrent requests, and a stale jti is proof of reuse.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    currentJti: text("current_jti").notNull(),
    /** The refresh token `currentJti` replaced, and when: tells a lost race from a replayed token. */
    previousJti: text("previous_jti"),
    rotatedAt: timestampMs("rotated_at"),
    createdAt: timestampMs("created_at").notNull(),
    /** Absolute end of the session: rotation never extends it. */
    expiresAt: timestampMs("expires_at").notNull(),
    revokedAt: timestampMs("revoked_at"),
    /** The User-Agent the session was started with, as the sessions list shows it (truncated). */
    userAgent: text("user_agent").notNull().default(""),
    /** The assurance level it was started with: "aal1" (a password) or "aal2" (and a second factor). */
    aal: text("aal", { enum: ["aal1", "aal2"] })
      .notNull()
      .default("aal1"),
    /** How (RFC 8176): a JSON array of method names, e.g. ["pwd","otp"]. Its tokens carry both. */
    amr: text("amr", { mode: "json" }).$type<string[]>().notNull().default(["pwd"]),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const books = sqliteTable(
  "books",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    title: text("title", { length: 200 }).notNull(),
    author: text("author", { length: 100 }).notNull(),
    publishedDate: text("published_date").notNull(),
    isbn: text("isbn", { length: 13 }).unique(),
    description: text("description").notNull().default(""),
    ...owner(),
    ...timestamps,
  },
  (t) => [index("books_created_idx").on(t.createdAt), index("books_owner_idx").on(t.ownerId)],
);

export const tasks = sqliteTable(
  "tasks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    title: text("title", { length: 100 }).notNull(),
    desc: text("desc"),
    completed: integer("completed", { mode: "boolean" }).notNull().default(false),
    ...owner(),
    ...timestamps,
    ...softDelete,
  },
  // Every task query is "this owner's live (or deleted) tasks, newest first".
  (t) => [index("tasks_owner_idx").on(t.ownerId, t.deletedAt, t.createdAt)],
);

export const profiles = sqliteTable("profiles", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id")
    .notNull()
    .unique()
    .references(() => users.id, { onDelete: "cascade" }),
  bio: text("bio").notNull().default(""),
  phoneNumber: text("phone_number", { length: 15 }).notNull().default(""),
  /** R2 object key of the avatar image; the API renders it as a URL. */
  avatarKey: text("avatar_key"),
  website: text("website", { length: 200 }).notNull().default(""),
  ...timestamps,
});

/**
 * Single-use secrets mailed to an address: an email verification key, a password reset token, one
 * side of an email change. Only their SHA-256 is stored: a copy of the table grants nothing. Using one
 * is a conditional UPDATE of `usedAt`, so it works once even under concurrent requests.
 */
export const accountTokens = sqliteTable(
  "account_tokens",
  {
    /** SHA-256 of the secret, hex. */
    hash: text("hash").primaryKey(),
    purpose: text("purpose", {
      enum: ["verify_email", "password_reset", "email_change_new", "email_change_old"],
    }).notNull(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The address the secret was mailed to (and, for a verification or a reset, the one it is about). */
    email: text("email").notNull(),
    /** An email change: the address the account changes to, and the change both its tokens belong to. */
    newEmail: text("new_email"),
    changeId: text("change_id"),
    createdAt: timestampMs("created_at").notNull(),
    expiresAt: timestampMs("expires_at").notNull(),
    usedAt: timestampMs("used_at"),
  },
  (t) => [index("account_tokens_user_idx").on(t.userId), index("account_tokens_change_idx").on(t.changeId)],
);

/**
 * The local mail transport's outbox (MAIL_TRANSPORT = "local", never in production): every message
 * `wrangler dev` and the tests "send", for `npm run outbox` and the tests to read.
 */
export const outbox = sqliteTable("outbox", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  to: text("to").notNull(),
  subject: text("subject").notNull(),
  text: text("text").notNull(),
  html: text("html"),
  sentAt: timestampMs("sent_at").notNull(),
});

/**
 * A TOTP second factor, one per account: unconfirmed from enrolment until its first code, then
 * guarding every login. `lastUsedStep` is the newest time step whose code was accepted: a trigger of
 * migration 0008 refuses any update that does not move it forward, so a code works once even when
 * two requests bring it at the same moment (RFC 6238 §5.2).
 */
export const mfaFactors = sqliteTable("mfa_factors", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** The Base32 secret, sealed with AES-GCM (services/totp.ts). */
  secret: text("secret").notNull(),
  createdAt: timestampMs("created_at").notNull(),
  confirmedAt: timestampMs("confirmed_at"),
  lastUsedStep: integer("last_used_step"),
});

/** An account's recovery codes, as HMACs; a trigger of migration 0008 refuses to spend one twice. */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    hash: text("hash").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestampMs("created_at").notNull(),
    usedAt: timestampMs("used_at"),
  },
  (t) => [index("recovery_codes_user_idx").on(t.userId)],
);

/** MFA challenges (the ephemeral tokens of a login) already answered: each works once. */
export const spentChallenges = sqliteTable("spent_challenges", {
  jti: text("jti").primaryKey(),
  /** When the challenge would have expired anyway: past it, the daily purge deletes the row. */
  expiresAt: timestampMs("expires_at").notNull(),
});

export type User = typeof users.$inferSelect;
export type Book = typeof books.$inferSelect;
export type Task = typeof tasks.$inferSelect;
export type Profile = typeof profiles.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type AccountToken = typeof accountTokens.$inferSelect;
export type MfaFactor = typeof mfaFactors.$inferSelect;
