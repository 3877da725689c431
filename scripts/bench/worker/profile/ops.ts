// The components `npm run bench -- --profile` times inside the Worker: /__bench/profile/:op?n=N runs
// one of them N times in one request.
import { database, primaryDatabase } from "../../../../src/db/client";
import { ANY_INSTANCE, RequestD1 } from "../../../../src/db/request-d1";
import { loadConfig } from "../../../../src/lib/config";
import { listBooks } from "../../../../src/routes/books";
import { LIST_QUERIES } from "../../../../src/routes/tasks";
import { serializeBook } from "../../../../src/schemas/books";
import { initKeySet } from "../../../../src/services/key-rotation";
import { hashPassword } from "../../../../src/services/passwords";
import { recordLogin, userWithSession } from "../../../../src/services/sessions";
import { decodeToken, issueTokenPair, PASSWORD_ONLY, type TokenClaims } from "../../../../src/services/tokens";
import type { BenchRoutes } from "../entry";

// The app's own queries, run as a read runs them: on a D1 session that may use any instance.
const db = (env: Env) => database(new RequestD1(env.DB, () => ANY_INSTANCE));

/** What every op may use: the env and the caller's access token, decoded outside the timed loop. */
type OpInput = { env: Env; token: string; claims: TokenClaims | null };
/** Sets an op up (untimed) and returns the work that is repeated n times. */
type Op = (input: OpInput) => Promise<() => unknown>;
const each =
  (work: (input: OpInput) => unknown): Op =>
  async (input) =>
  () =>
    work(input);

const userIdOf = (claims: TokenClaims | null) => Number(claims?.user_id);

type Algorithm = "ES256" | "EdDSA";
/** The env with a fresh key set of `alg` (generated once, untimed): what JWT_ALGORITHM = alg deploys. */
const envs = new Map<Algorithm, Env>();
async function envSigningWith(env: Env, alg: Algorithm): Promise<Env> {
  let swapped = envs.get(alg);
  if (!swapped) {
    const keys = JSON.stringify(await initKeySet(alg));
    swapped = { ...env, JWT_ALGORITHM: alg, JWT_SIGNING_KEYS: keys } as unknown as Env;
    envs.set(alg, swapped);
  }
  return swapped;
}
const pair = (env: Env) =>
  issueTokenPair(loadConfig(env), 1, {
    id: "bench-session",
    expiresAt: new Date(Date.now() + 86_400_000),
    ...PASSWORD_ONLY,
  });
/** Signing a pair, or verifying its access token, with a key set of `alg`: the cost of each algorithm. */
const signWith =
  (alg: Algorithm): Op =>
  async ({ env }) => {
    const signing = await envSigningWith(env, alg);
    return () => pair(signing);
  };
const verifyWith =
  (alg: Algorithm): Op =>
  async ({ env }) => {
    const signing = await envSigningWith(env, alg);
    const { access } = await pair(signing);
    return () => decodeToken(loadConfig(signing), access, "access");
  };
const ids = (claims: TokenClaims | null) => ({ userId: userIdOf(claims), sessionId: claims?.fam ?? "" });

// Each op is one component of a request: the same call, or a query of the same shape, as the app's.
// The *-raw and *-batch ops measure alternatives (no query builder; two queries in one round trip).
const OPS: Record<string, Op> = {
  noop: each(() => undefined),
  "jwt-verify": each(({ env, token }) => decodeToken(loadConfig(env), token, "access")),
  // A login or refresh signs a pair: one refresh and one access token.
  "jwt-sign-pair": each(({ env }) =>
    issueTokenPair(loadConfig(env), 1, {
      id: "bench-session",
      expiresAt: new Date(Date.now() + 86_400_000),
      ...PASSWORD_ONLY,
    }),
  ),
  "jwt-sign-pair-es256": signWith("ES256"),
  "jwt-sign-pair-eddsa": signWith("EdDSA"),
  "jwt-verify-es256": verifyWith("ES256"),
  "jwt-verify-eddsa": verifyWith("EdDSA"),
  pbkdf2: each(() => hashPassword("bench-password-profile")),
  "d1-ping": each(({ env }) => env.DB.prepare("SELECT 1").first()),
  "d1-auth": each(({ env, claims }) => userWithSession.get(db(env), ids(claims))),
  "d1-tasks": each(({ env, claims }) => LIST_QUERIES.live.all(db(env), { ownerId: userIdOf(claims) })),
  "d1-tasks-raw": each(({ env, claims }) => env.DB.prepare(LIST_QUERIES.live.sql).bind(userIdOf(claims)).all()),
  // What an authenticated GET /api/tasks/ does: the account lookup rides in the list query's batch.
  "d1-auth-tasks-batch": each(({ env, claims }) => {
    const session = db(env);
    return Promise.all([
      userWithSession.rideAlong(session, ids(claims)),
      LIST_QUERIES.live.all(session, { ownerId: userIdOf(claims) }),
    ]);
  }),
  "d1-books": each(({ env }) => listBooks.all(db(env))),
  "d1-books-raw": each(({ env }) => env.DB.prepare(listBooks.sql).all()),
  // The list's response body from rows already fetched: serializeBook for each row, then JSON.
  "serialize-books": async ({ env }) => {
    const rows = await listBooks.all(db(env));
    return () => JSON.stringify(rows.map((r) => serializeBook(r.book, r.ownerUsername)));
  },
  // One single-row write: a login's last_login update (a refresh's conditional UPDATE is of its kind).
  "d1-write": each(({ env, claims }) => recordLogin(primaryDatabase(env.DB), userIdOf(claims), new Date()).run()),
  // What a refresh leaves behind in waitUntil: the rotated jti mirrored to KV.
  "kv-put": each(({ env }) => env.BLACKLIST.put(`bench-${crypto.randomUUID()}`, "{}", { expirationTtl: 60 })),
  // applyThrottles' hop for a signed-in user: one RPC carrying the user, burst and sustained windows.
  "do-hit": each(({ env }) => {
    const rates = loadConfig(env).throttleRates;
    const windows = (["user", "burst", "sustained"] as const).flatMap((scope) => {
      const rate = rates[scope];
      return rate ? [{ scope, ...rate }] : [];
    });
    return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("user:bench-profile")).hit(windows, Date.now());
  }),
};

/**
 * Adds /__bench/profile/:op. The caller times n=0 against n=N from outside: workerd's clock does
 * not advance during CPU work, so in-Worker timers would read 0 for jwt-verify and pbkdf2.
 */
export const withProfileOps = (routes: BenchRoutes) =>
  routes.get("/__bench/profile/:op", async (c) => {
    const op = OPS[c.req.param("op")];
    if (!op) return c.json({ detail: "unknown op", ops: Object.keys(OPS) }, 404);
    const n = Number(c.req.query("n") ?? "1");
    const token = c.req.header("Authorization")?.replace(/^Bearer /, "") ?? "";
    const claims = token ? await decodeToken(loadConfig(c.env), token, "access") : null;
    const work = await op({ env: c.env, token, claims });
    for (let i = 0; i < n; i++) await work();
    return c.json({ n });
  });
