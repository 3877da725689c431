// A small JSON client for the API, and the seeding every run needs, done through the API itself so
// that it works the same against the local server and a deployed Worker.
import { randomBytes } from "node:crypto";
import { Secret, TOTP } from "otpauth";

export const BOOKS = 100;
export const TASKS_PER_USER = 10;
/** Users with 10 tasks each; the "many users" scenario spreads its requests over all of them. */
export const USERS = 64;
/** The tutorial's quota: a user may create 5 books a day. */
export const BOOKS_PER_USER = 5;

export function apiClient(base) {
  async function call(method, path, { body, token, headers = {} } = {}) {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, body: json };
  }
  /** The body of a response that must have `status`; anything else stops the run with the reason. */
  async function expect(status, method, path, options) {
    const res = await call(method, path, options);
    if (res.status !== status) {
      throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }
  return { call, expect };
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function inPool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Names unique to this run, so a deployed Worker can be benchmarked again without clashes. */
export const runId = () => randomBytes(4).toString("hex");
export const benchPassword = () => `bench-${randomBytes(9).toString("base64url")}-pw`;

let isbnCounter = 0;
/** A 13-digit isbn no other book of this process has (the column is UNIQUE). */
export const uniqueIsbn = (prefix) => `${prefix}${String(isbnCounter++).padStart(13 - prefix.length, "0")}`;

export async function registerUser(api, username, password = benchPassword()) {
  const body = { username, password, password_confirm: password };
  const { access, refresh } = await api.expect(201, "POST", "/api/register/", { body });
  return { username, password, access, refresh };
}

export const bookBody = (title, isbn) => ({ title, author: "Bench Author", published_date: "2024-01-01", isbn });

/**
 * USERS users with TASKS_PER_USER tasks each, and BOOKS books created by the first users within
 * their daily quota. Registration pays one PBKDF2 per user, so it runs a few at a time.
 */
export async function seedViaApi(api, id) {
  const users = await inPool([...Array(USERS).keys()], 4, (i) => registerUser(api, `bench-${id}-${i}`));
  const taskJobs = users.flatMap((user) => [...Array(TASKS_PER_USER).keys()].map((t) => ({ user, t })));
  await inPool(taskJobs, 16, ({ user, t }) =>
    api.expect(201, "POST", "/api/tasks/", { token: user.access, body: { title: `task ${t}`, desc: "seeded" } }),
  );
  const bookJobs = [...Array(BOOKS).keys()].map((b) => ({ user: users[Math.floor(b / BOOKS_PER_USER)], b }));
  const isbnPrefix = String(Date.now()).slice(-6);
  await inPool(bookJobs, 8, ({ user, b }) =>
    api.expect(201, "POST", "/api/books/", { token: user.access, body: bookBody(`Book ${b}`, uniqueIsbn(isbnPrefix)) }),
  );
  return users;
}

/** New sessions (one login each) whose refresh tokens the refresh scenario rotates. */
export const loginSessions = (api, users, count) =>
  inPool([...Array(count).keys()], 4, (i) => {
    const { username, password } = users[i % users.length];
    return api.expect(200, "POST", "/api/token/", { body: { username, password } });
  });

/** Recovery codes each account with a second factor has: one challenge each, answered once. */
const CODES_PER_ACCOUNT = 10;

/**
 * `count` logins of accounts with a second factor, waiting to be answered: each its ephemeral token,
 * the cookie it is bound to, and an unused recovery code (a TOTP code works once per 30 s).
 */
export async function mfaChallenges(base, api, id, count) {
  const accounts = await inPool([...Array(Math.ceil(count / CODES_PER_ACCOUNT)).keys()], 4, async (i) => {
    const user = await registerUser(api, `bench-${id}-mfa-${i}`);
    const { secret } = await api.expect(201, "POST", "/api/mfa/totp/", { token: user.access });
    const code = TOTP.generate({ secret: Secret.fromBase32(secret), digits: 6, period: 30 });
    const { recovery_codes } = await api.expect(200, "POST", "/api/mfa/totp/confirm/", {
      token: user.access,
      body: { code },
    });
    return { user, codes: recovery_codes };
  });
  const jobs = accounts.flatMap(({ user, codes }) => codes.map((code) => ({ user, code }))).slice(0, count);
  return inPool(jobs, 4, async ({ user, code }) => {
    const res = await fetch(`${base}/api/token/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    if (res.status !== 200) throw new Error(`POST /api/token/ (MFA): ${res.status} ${await res.text()}`);
    const cookie = res.headers
      .getSetCookie()
      .map((line) => line.split(";")[0])
      .join("; ");
    return { ephemeralToken: (await res.json()).ephemeral_token, cookie, code };
  });
}
