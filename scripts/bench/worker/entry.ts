// The Worker `npm run bench` serves: the real app, untouched, plus bench-only routes under /__bench/
// (a ceiling and in-Worker component loops). Nothing here is part of the public API in src/.
import { and, desc, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import * as schema from "../../../src/db/schema";
import app from "../../../src/index";
import { loadConfig } from "../../../src/lib/config";
import { rateLimiter } from "../../../src/middleware/throttle";
import { serializeBook } from "../../../src/schemas/books";
import { hashPassword } from "../../../src/services/passwords";
import { decodeToken, issueTokenPair, type TokenClaims } from "../../../src/services/tokens";
import { THROTTLE_SCOPES } from "../../../src/services/throttle-rates";

export * from "../../../src/index";

const { books, tasks, tokenFamilies, users } = schema;

// `x-bench-throttle` swaps the throttle rates for one request: "off" switches every scope off (the
// unthrottled baseline), "tight" allows one request a day (so every later one is refused with 429).
// Env's var types are wrangler.toml's literals, hence the casts: the bench substitutes other rates.
const VARIANT_RATES = {
  off: Object.fromEntries(THROTTLE_SCOPES.map((s) => [s, null])),
  tight: Object.fromEntries(THROTTLE_SCOPES.map((s) => [s, "1/day"])),
} as const;
type Variant = keyof typeof VARIANT_RATES;
const isVariant = (v: string | null): v is Variant => v !== null && Object.hasOwn(VARIANT_RATES, v);

// One env object per variant and isolate: loadConfig caches the parsed config by env identity.
const variants = new WeakMap<Env, Map<Variant, Env>>();
function envFor(env: Env, variant: string | null): Env {
  if (!isVariant(variant)) return env;
  const byVariant = variants.get(env) ?? new Map<Variant, Env>();
  variants.set(env, byVariant);
  let swapped = byVariant.get(variant);
  if (!swapped) {
    swapped = { ...env, DEFAULT_THROTTLE_RATES: VARIANT_RATES[variant] } as unknown as Env;
    byVariant.set(variant, swapped);
  }
  return swapped;
}

/** What every op may use: the env and the caller's access token, decoded outside the timed loop. */
type OpInput = { env: Env; token: string; claims: TokenClaims | null };
/** Sets an op up (untimed) and returns the work that is repeated n times. */
type Op = (input: OpInput) => Promise<() => unknown>;
const each =
  (work: (input: OpInput) => unknown): Op =>
  async (input) =>
  () =>
    work(input);

const db = (env: Env) => drizzle(env.DB, { schema });
const userIdOf = (claims: TokenClaims | null) => Number(claims?.user_id);

// authenticate's lookup: the user and the session of the token, in one query.
const authQuery = (env: Env, claims: TokenClaims | null) =>
  db(env)
    .select({ user: users, revokedAt: tokenFamilies.revokedAt })
    .from(users)
    .leftJoin(tokenFamilies, and(eq(tokenFamilies.id, claims?.fam ?? ""), eq(tokenFamilies.userId, users.id)))
    .where(eq(users.id, userIdOf(claims)));

// The task list's query: the caller's live tasks, newest first.
const tasksQuery = (env: Env, claims: TokenClaims | null) =>
  db(env)
    .select()
    .from(tasks)
    .where(and(eq(tasks.ownerId, userIdOf(claims)), isNull(tasks.deletedAt)))
    .orderBy(desc(tasks.createdAt), desc(tasks.id));

const booksQuery = (env: Env) =>
  db(env)
    .select({ book: books, ownerUsername: users.username })
    .from(books)
    .innerJoin(users, eq(users.id, books.ownerId))
    .orderBy(desc(books.createdAt), desc(books.id));

const TASKS_SQL =
  "SELECT * FROM tasks WHERE owner_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC";
const BOOKS_SQL = `SELECT books.*, users.username AS owner_username FROM books
  JOIN users ON users.id = books.owner_id ORDER BY books.created_at DESC, books.id DESC`;

// Each op is one component of a request: the same call, or a query of the same shape, as the app's.
// The *-raw and *-batch ops measure alternatives (no query builder; two queries in one round trip).
const OPS: Record<string, Op> = {
  noop: each(() => undefined),
  "jwt-verify": each(({ env, token }) => decodeToken(loadConfig(env), token, "access")),
  // A login or refresh signs a pair: one refresh and one access token.
  "jwt-sign-pair": each(({ env }) =>
    issueTokenPair(loadConfig(env), 1, { id: "bench-family", expiresAt: new Date(Date.now() + 86_400_000) }),
  ),
  pbkdf2: each(() => hashPassword("bench-password-profile")),
  "d1-ping": each(({ env }) => env.DB.prepare("SELECT 1").first()),
  "d1-auth": each(({ env, claims }) => authQuery(env, claims).get()),
  "d1-tasks": each(({ env, claims }) => tasksQuery(env, claims)),
  "d1-tasks-raw": each(({ env, claims }) => env.DB.prepare(TASKS_SQL).bind(userIdOf(claims)).all()),
  "d1-auth-tasks-batch": each(({ env, claims }) => db(env).batch([authQuery(env, claims), tasksQuery(env, claims)])),
  "d1-books": each(({ env }) => booksQuery(env)),
  "d1-books-raw": each(({ env }) => env.DB.prepare(BOOKS_SQL).all()),
  // The list's response body from rows already fetched: serializeBook for each row, then JSON.
  "serialize-books": async ({ env }) => {
    const rows = await booksQuery(env);
    return () => JSON.stringify(rows.map((r) => serializeBook(r.book, r.ownerUsername)));
  },
  // One single-row write, as a login's `last_login` update or a refresh's conditional UPDATE.
  "d1-write": each(({ env, claims }) =>
    db(env).update(users).set({ lastLogin: new Date() }).where(eq(users.id, userIdOf(claims))),
  ),
  // What a refresh leaves behind in waitUntil: the rotated jti mirrored to KV.
  "kv-put": each(({ env }) => env.BLACKLIST.put(`bench-${crypto.randomUUID()}`, "{}", { expirationTtl: 60 })),
  // applyThrottles' hop for a signed-in user: one RPC carrying the user, burst and sustained windows.
  "do-hit": each(({ env }) => {
    const rates = loadConfig(env).throttleRates;
    const windows = (["user", "burst", "sustained"] as const).flatMap((scope) => {
      const rate = rates[scope];
      return rate ? [{ scope, ...rate }] : [];
    });
    return rateLimiter(env, "user:bench-profile").hit(windows, Date.now());
  }),
};

const bench = new Hono<{ Bindings: Env }>()
  .get("/__bench/ceiling", (c) => c.json({ ok: true }))
  // Runs one op n times in sequence; the caller times n=0 against n=N from outside (workerd's clock
  // does not advance during CPU work, so in-Worker timers would read 0 for jwt-verify and pbkdf2).
  .get("/__bench/profile/:op", async (c) => {
    const op = OPS[c.req.param("op")];
    if (!op) return c.json({ detail: "unknown op", ops: Object.keys(OPS) }, 404);
    const n = Number(c.req.query("n") ?? "1");
    const token = c.req.header("Authorization")?.replace(/^Bearer /, "") ?? "";
    const claims = token ? await decodeToken(loadConfig(c.env), token, "access") : null;
    const work = await op({ env: c.env, token, claims });
    for (let i = 0; i < n; i++) await work();
    return c.json({ n });
  });

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname.startsWith("/__bench/")) return bench.fetch(request, env, ctx);
    return app.fetch(request, envFor(env, request.headers.get("x-bench-throttle")), ctx);
  },
} satisfies ExportedHandler<Env>;
