// ─── COPIES OF THE APP'S QUERIES ──────────────────────────────────────────────────────────────────
// Hand-copied from src/ because the app does not export them yet (its queries are being rewritten
// for D1 sessions). Each is to be replaced by an import of the app's own query; until then a change
// to the app's query must be copied here by hand, or the profile measures a query the app no longer
// runs. The raw-SQL variants then come from the app's prepared query (`.getQuery().sql`).
import { and, desc, eq, isNull } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "../../../../src/db/schema";
import type { TokenClaims } from "../../../../src/services/tokens";

const { books, tasks, tokenFamilies, users } = schema;

// One Drizzle instance per binding, as the app keeps one: building it is not part of any query's cost.
const instances = new WeakMap<D1Database, DrizzleD1Database<typeof schema>>();
export const db = (env: Env) => {
  let instance = instances.get(env.DB);
  if (!instance) instances.set(env.DB, (instance = drizzle(env.DB, { schema })));
  return instance;
};
const userIdOf = (claims: TokenClaims | null) => Number(claims?.user_id);

/** authenticate's lookup (src/services/sessions.ts `userWithSession`): the user and the token's session. */
export const authQuery = (env: Env, claims: TokenClaims | null) =>
  db(env)
    .select({ user: users, session: tokenFamilies })
    .from(users)
    .leftJoin(tokenFamilies, and(eq(tokenFamilies.id, claims?.fam ?? ""), eq(tokenFamilies.userId, users.id)))
    .where(eq(users.id, userIdOf(claims)));

/** The task list's query (src/routes/tasks.ts, LIST_QUERIES.live): the caller's live tasks, newest first. */
export const tasksQuery = (env: Env, claims: TokenClaims | null) =>
  db(env)
    .select()
    .from(tasks)
    .where(and(eq(tasks.ownerId, userIdOf(claims)), isNull(tasks.deletedAt)))
    .orderBy(desc(tasks.createdAt), desc(tasks.id));

/** The book list's query (src/routes/books.ts, listBooks): every book with its owner's username. */
export const booksQuery = (env: Env) =>
  db(env)
    .select({ book: books, ownerUsername: users.username })
    .from(books)
    .innerJoin(users, eq(users.id, books.ownerId))
    .orderBy(desc(books.createdAt), desc(books.id));

/** A login's last_login update (src/routes/token.ts, inline in the obtain handler). */
export const lastLoginUpdate = (env: Env, claims: TokenClaims | null) =>
  db(env).update(users).set({ lastLogin: new Date() }).where(eq(users.id, userIdOf(claims)));

export const TASKS_SQL =
  "SELECT * FROM tasks WHERE owner_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC";
export const BOOKS_SQL = `SELECT books.*, users.username AS owner_username FROM books
  JOIN users ON users.id = books.owner_id ORDER BY books.created_at DESC, books.id DESC`;
