// What `npm run bench` measures: the load scenarios of issue 7, the throttle and scaling rows, and
// the exactness of the 5/day book quota under concurrent creates.
import { bookBody, inPool, registerUser, uniqueIsbn } from "./client.mjs";
import { cycle, refreshChain } from "./load.mjs";
import { EXACTNESS_ATTEMPTS } from "./targets.ts";

export const CEILING_PATH = "/__bench/ceiling";
/** The title of every book the create scenario adds (removed afterwards, locally, by this title). */
export const CREATED_BOOK_TITLE = "Bench book";

const bearer = (token) => ({ Authorization: `Bearer ${token}` });

/** A request builder that gives every request the next of `pick()`'s headers (and body). */
const perRequest = (method, pick) => [
  {
    method,
    setupRequest(req) {
      const { headers, body } = pick();
      return { ...req, headers: { ...req.headers, ...headers }, ...(body === undefined ? {} : { body }) };
    },
  },
];

/**
 * The load scenarios, in the order they run. `users` come from seedViaApi; `sessions` are extra
 * logins whose refresh tokens the refresh scenario rotates. Creates run last, so the book list is
 * measured with exactly the 100 seeded books.
 */
export function loadScenarios({ users, sessions }) {
  const nextUser = cycle(users);
  const isbnPrefix = String(Date.now()).slice(-5);
  const json = { "Content-Type": "application/json" };
  return [
    { key: "books-anon", title: "GET /api/books/ (anonymous, 100 books)", spec: { path: "/api/books/" } },
    {
      key: "tasks-many",
      title: `GET /api/tasks/ (10 tasks each, ${users.length} users)`,
      spec: { path: "/api/tasks/", requests: perRequest("GET", () => ({ headers: bearer(nextUser().access) })) },
    },
    {
      key: "tasks-one",
      title: "GET /api/tasks/ (10 tasks, one user)",
      spec: { path: "/api/tasks/", headers: bearer(users[0].access) },
    },
    {
      key: "token-obtain",
      title: "POST /api/token/ (one 100k PBKDF2 each)",
      spec: {
        path: "/api/token/",
        requests: perRequest("POST", () => {
          const { username, password } = nextUser();
          return { headers: json, body: JSON.stringify({ username, password }) };
        }),
      },
    },
    {
      key: "token-refresh",
      title: "POST /api/token/refresh/ (rotation chained per request)",
      spec: { path: "/api/token/refresh/", requests: refreshChain(sessions.map((s) => s.refresh)) },
    },
    {
      key: "books-create",
      title: "POST /api/books/ (within quota)",
      spec: {
        path: "/api/books/",
        requests: perRequest("POST", () => ({
          headers: { ...json, ...bearer(nextUser().access) },
          body: JSON.stringify(bookBody(CREATED_BOOK_TITLE, uniqueIsbn(isbnPrefix))),
        })),
      },
    },
  ];
}

/**
 * One user's task list with the configured throttle, with every throttle switched off, and refused
 * by a throttle (429); and the app's 404, the floor under them. The variants are chosen per
 * request by the bench entry (`x-bench-throttle`), so they run on the same server and data.
 */
export function throttleScenarios({ users, refusedUser }) {
  const tasks = (token, variant) => ({
    path: "/api/tasks/",
    headers: { ...bearer(token), ...(variant ? { "x-bench-throttle": variant } : {}) },
  });
  return [
    {
      key: "throttle-off",
      title: "GET /api/tasks/, throttles off (no limiter hop)",
      spec: tasks(users[0].access, "off"),
    },
    { key: "throttle-on", title: "GET /api/tasks/, throttled and admitted", spec: tasks(users[0].access) },
    {
      key: "throttle-refused",
      title: "GET /api/tasks/, refused by the throttle (429)",
      spec: tasks(refusedUser.access, "tight"),
    },
    // What every request costs before it does anything of its own: the floor a refusal can approach.
    { key: "app-floor", title: "GET /api/none/, the app's 404 (no token, no I/O)", spec: { path: "/api/none/" } },
  ];
}

/**
 * 50 concurrent creates by one fresh user against the real 5/day quota (wrangler.toml's rates),
 * repeated for a few users: how many were admitted (must be 5 each time), how many refused, and
 * how many of the user's books the API then lists.
 */
export async function exactness(api, id, rounds = 3) {
  const results = [];
  for (let round = 0; round < rounds; round++) {
    const user = await registerUser(api, `bench-${id}-quota-${round}`);
    const prefix = `9${String(round)}${String(Date.now()).slice(-4)}`;
    const attempts = await inPool([...Array(EXACTNESS_ATTEMPTS).keys()], EXACTNESS_ATTEMPTS, (i) =>
      api.call("POST", "/api/books/", { token: user.access, body: bookBody(`Quota book ${i}`, uniqueIsbn(prefix)) }),
    );
    const count = (status) => attempts.filter((a) => a.status === status).length;
    const listed = await api.expect(200, "GET", "/api/books/");
    results.push({
      admitted: count(201),
      refused: count(429),
      other: attempts.filter((a) => a.status !== 201 && a.status !== 429).map((a) => a.status),
      stored: listed.filter((book) => book.owner_username === user.username).length,
    });
  }
  return results;
}

/**
 * A login's second step, under the latency model only: each request answers one waiting challenge
 * with an unused recovery code (a TOTP code works once per 30 s), so the supply bounds it: half of it
 * for each of the model's two runs.
 */
export function mfaScenario(challenges) {
  const json = { "Content-Type": "application/json" };
  return {
    key: "mfa-verify",
    title: "POST /api/mfa/verify/ (a recovery code)",
    spec: {
      path: "/api/mfa/verify/",
      amount: Math.floor(challenges.length / 2),
      requests: perRequest("POST", () => {
        const { ephemeralToken, cookie, code } = challenges.shift() ?? {};
        return {
          headers: { ...json, Cookie: cookie },
          body: JSON.stringify({ ephemeral_token: ephemeralToken, code }),
        };
      }),
    },
  };
}
