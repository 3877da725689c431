// Where a request's time goes: each component timed on its own inside the Worker, and whole requests
// timed one at a time, so the two can be set side by side.

/** The components (ops of worker/profile/ops.ts) and how many runs one request makes. */
export const COMPONENTS = [
  { op: "jwt-verify", n: 200, label: "jose HS256 verify + claim checks (one access token)" },
  { op: "jwt-sign-pair", n: 100, label: "jose HS256 sign of a refresh + access pair" },
  { op: "jwt-sign-pair-es256", n: 50, label: "the same pair signed with an ES256 key set" },
  { op: "jwt-sign-pair-eddsa", n: 50, label: "the same pair signed with an EdDSA key set" },
  { op: "jwt-verify-es256", n: 100, label: "verify + claim checks, ES256" },
  { op: "jwt-verify-eddsa", n: 100, label: "verify + claim checks, EdDSA" },
  { op: "pbkdf2", n: 4, label: "PBKDF2-SHA256, 100,000 iterations" },
  { op: "do-hit", n: 50, label: "RateLimiter Durable Object hop (3 windows, SQLite log)" },
  { op: "d1-ping", n: 50, label: "D1 round trip (SELECT 1)" },
  { op: "d1-auth", n: 50, label: "D1 user + session lookup (authenticate's query)" },
  { op: "d1-tasks", n: 50, label: "D1 one user's live tasks, newest first (10 rows, Drizzle)" },
  { op: "d1-tasks-raw", n: 50, label: "the same task query as a raw prepared statement" },
  { op: "d1-auth-tasks-batch", n: 50, label: "user + session lookup and task query in one D1 batch" },
  { op: "d1-books", n: 20, label: "D1 all books joined with their owners (100 rows)" },
  { op: "d1-books-raw", n: 20, label: "the same book query as a raw prepared statement" },
  { op: "serialize-books", n: 50, label: "serializeBook × 100 rows + JSON.stringify (the list's body)" },
  { op: "d1-write", n: 50, label: "D1 single-row UPDATE (last_login; like a rotation's UPDATE)" },
  { op: "kv-put", n: 50, label: "KV put (the refresh's blacklist mirror, in waitUntil)" },
];

/**
 * Which components one request of a scenario pays. The rest of its time (HTTP, Hono, middleware,
 * zod, serialisation) is what the ceiling route pays plus the unexplained remainder.
 */
export const BREAKDOWN = {
  // The account lookup rides in the task query's batch (one D1 round trip for both).
  "tasks-one": ["jwt-verify", "d1-auth-tasks-batch", "do-hit"],
  "books-anon": ["do-hit", "d1-books", "serialize-books"],
  // Default throttles (by address), the login throttle, the user row, PBKDF2, the attempt given back,
  // then the session batch (last_login + new family) and the new pair.
  "token-obtain": ["do-hit", "do-hit", "d1-auth", "pbkdf2", "do-hit", "d1-write", "jwt-sign-pair"],
  // Default throttles, the token checked, one conditional UPDATE ... RETURNING, the new pair, KV.
  "token-refresh": ["do-hit", "jwt-verify", "d1-write", "jwt-sign-pair", "kv-put"],
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Sends one request and returns its wall time (ms) and the workerd CPU time it cost (ms, or 0). */
async function timed(base, { path, init, after }, cpuMs) {
  const cpuBefore = cpuMs?.() ?? 0;
  const start = performance.now();
  const res = await fetch(base + path, init);
  const body = await res.text();
  const wall = performance.now() - start;
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${res.status} ${body}`);
  after?.(body);
  return { wall, cpu: (cpuMs?.() ?? 0) - cpuBefore };
}

/**
 * Each component's cost in ms: requests running it n times against requests running it 0 times,
 * one at a time, `reps` pairs. Wall time is timed from outside because workerd's clock stands still
 * during CPU work (medians); CPU time, when `cpuMs` can read workerd's, is summed over all pairs.
 */
export async function componentCosts(base, token, { reps = 15, only = null, cpuMs = null } = {}) {
  const init = { headers: { Authorization: `Bearer ${token}` } };
  const costs = {};
  for (const { op, n } of COMPONENTS.filter((c) => only === null || only.includes(c.op))) {
    const request = (count) => ({ path: `/__bench/profile/${op}?n=${count}`, init });
    await timed(base, request(n)); // warm-up: isolate, prepared statements, the DO itself
    const wall = { empty: [], full: [] };
    const cpu = { empty: 0, full: 0 };
    for (let i = 0; i < reps; i++) {
      for (const [kind, count] of [
        ["empty", 0],
        ["full", n],
      ]) {
        const t = await timed(base, request(count), cpuMs);
        wall[kind].push(t.wall);
        cpu[kind] += t.cpu;
      }
    }
    costs[op] = {
      wall: Math.max(0, (median(wall.full) - median(wall.empty)) / n),
      cpu: cpuMs ? Math.max(0, (cpu.full - cpu.empty) / (reps * n)) : null,
    };
  }
  return costs;
}

/** Median wall time and mean workerd CPU time (ms) of `count` requests sent one after another. */
export async function sequentialCost(base, count, next, cpuMs) {
  const walls = [];
  let cpu = 0;
  for (let i = 0; i < count; i++) {
    const t = await timed(base, next(), cpuMs);
    walls.push(t.wall);
    cpu += t.cpu;
  }
  return { wall: median(walls), cpu: cpuMs ? cpu / count : null };
}

/** The sequential requests that the breakdown explains. */
export function sequentialRequests({ ceilingPath, user, session }) {
  const json = { "Content-Type": "application/json" };
  let refresh = session.refresh;
  const get =
    (path, headers = {}) =>
    () => ({ path, init: { headers } });
  return {
    ceiling: { count: 300, next: get(ceilingPath) },
    "books-anon": { count: 200, next: get("/api/books/") },
    "tasks-one": { count: 200, next: get("/api/tasks/", { Authorization: `Bearer ${user.access}` }) },
    "token-obtain": {
      count: 20,
      next: () => ({
        path: "/api/token/",
        init: {
          method: "POST",
          headers: json,
          body: JSON.stringify({ username: user.username, password: user.password }),
        },
      }),
    },
    "token-refresh": {
      count: 100,
      next: () => ({
        path: "/api/token/refresh/",
        init: { method: "POST", headers: json, body: JSON.stringify({ refresh }) },
        after: (body) => {
          refresh = JSON.parse(body).refresh;
        },
      }),
    },
  };
}
