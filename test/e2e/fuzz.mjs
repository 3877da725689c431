// `npm run fuzz [-- --all | --seed N]`: every route × method × malformed bodies, headers and tokens, as
// anonymous, a user and a superuser, over real HTTP against `npm run dev` (fresh state, throttles raised
// so that refusals do not hide what lies behind them). Fails on any response ≥ 500 and prints the counts
// by status. By default every route × method × identity is tried with a seeded sample of the bodies and
// headers (fuzz-sample.ts), about a minute; --all sends every combination, --seed replays a sample.
import { randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import { run, startDevServer } from "./dev-server.mjs";
import { sample } from "./fuzz-sample.ts";

const { values: options } = parseArgs({
  options: { all: { type: "boolean", default: false }, seed: { type: "string" } },
});
const seed = options.seed === undefined ? randomInt(2 ** 31) : Number(options.seed);
if (!Number.isSafeInteger(seed)) {
  console.error(`fuzz: --seed takes a whole number, not "${options.seed}"`);
  process.exit(2);
}
// The share of each route × method × identity's bodies and headers a default run sends.
const SAMPLE_SHARE = 0.05;

const PASSWORD = "correct horse battery staple";
const RATES = JSON.stringify({
  anon: "1000000/sec",
  user: "1000000/sec",
  burst: "1000000/sec",
  sustained: "1000000/sec",
  uploads: "1000000/sec",
  login: "1000000/sec",
  book_create: "1000000/sec",
  password_reset: "1000000/sec",
  email_verify: "1000000/sec",
  email_change: "1000000/sec",
  mail_cooldown: "1000000/sec",
});
// (TRACE and CONNECT cannot be sent by Node's fetch; PROPFIND stands for methods nobody routes.)
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"];
const deep = (n) => "[".repeat(n) + "]".repeat(n);
const long = "x".repeat(70_000);

/** Bodies with their media types: well-formed, malformed, wrong shapes, wrong types for every field. */
function bodies(fields) {
  const json = (value) => ({ type: "application/json", body: JSON.stringify(value) });
  const weird = [null, [], {}, true, -1, 1e308, "", "\u0000", "💥".repeat(50), "x".repeat(5000)];
  // Every field at once, with the same wrong value: each field's parser meets each kind of wrongness.
  const perField = weird.map((value) => json(Object.fromEntries(fields.map((field) => [field, value]))));
  return [
    { type: undefined, body: undefined },
    { type: "application/json", body: "" },
    { type: "application/json", body: "{" },
    { type: "application/json", body: deep(5000) },
    { type: "application/json", body: `{"a": "${long}"}` },
    json([]),
    json(null),
    json("str"),
    json(42),
    json(Object.fromEntries(fields.map((f) => [f, "ok"]))),
    { type: "text/plain", body: "a=b" },
    { type: "application/x-www-form-urlencoded", body: "title=x&password=y" },
    {
      type: "multipart/form-data; boundary=x",
      body: "--x\r\nContent-Disposition: form-data; name=avatar\r\n\r\nGIF89a\r\n--x--",
    },
    { type: "multipart/form-data", body: "garbage" },
    { type: "image/png", body: "\x89PNG\r\n\x1a\nnot really" },
    ...perField,
  ];
}

const FIELDS = [
  "username",
  "email",
  "password",
  "password_confirm",
  "old_password",
  "new_password",
  "new_password_confirm",
  "refresh",
  "token",
  "title",
  "author",
  "published_date",
  "isbn",
  "description",
  "desc",
  "completed",
  "bio",
  "phone_number",
  "website",
  "first_name",
  "last_name",
  "is_active",
  "is_staff",
  "avatar",
];

function headerVariants(tokens) {
  const { access, refresh } = tokens ?? {};
  return [
    {},
    { Authorization: "Bearer" },
    { Authorization: "Bearer a b" },
    { Authorization: "Bearer not.a.token" },
    { Authorization: `Bearer ${"A".repeat(10_000)}` },
    ...(refresh ? [{ Authorization: `Bearer ${refresh}` }] : []),
    ...(access ? [{ Authorization: `Bearer ${access}x` }] : []),
    { "x-d1-bookmark": "garbage" },
    { "x-d1-bookmark": "ffffffff-ffffffff-ffffffff-ffffffffffffffffffffffffffffffff" },
    { "If-None-Match": "garbage", "If-Match": "W/garbage", "If-Modified-Since": "yesterday" },
    {
      Cookie: "__Host-refresh=garbage; __Host-device=garbage",
      "X-Token-Transport": "cookie",
      Origin: "http://localhost:5173",
    },
    { Origin: "null", "X-Token-Transport": "COOKIE" },
    { "CF-Connecting-IP": "not an ip", "X-Forwarded-For": "1.1.1.1, , garbage" },
  ];
}

async function json(base, method, path, body, token) {
  const res = await fetch(base + path, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** Paths to try: the document's, with ids filled in — real ones, missing ones and nonsense. */
function paths(document, ids) {
  const fills = [ids.book, ids.task, ids.session, "999999999999999999999", "abc", "%00"];
  return Object.keys(document.paths).flatMap((template) => {
    if (!template.includes("{")) return [template, template.replace(/\/$/, "")];
    return fills.map((fill) => template.replace(/\{[^}]+\}/g, String(fill)));
  });
}

async function pool(items, size, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

const server = await startDevServer({ vars: { DEFAULT_THROTTLE_RATES: RATES } });
const counts = {};
let done = 0;
const failures = [];
try {
  const base = server.url;
  const user = await json(base, "POST", "/api/register/", {
    username: "fuzz",
    email: "fuzz@example.com",
    password: PASSWORD,
    password_confirm: PASSWORD,
  });
  const created = await run(
    "npm",
    ["run", "createsuperuser", "--", "--username", "root", "--email", "root@example.com", "--no-input"],
    {
      env: { ...process.env, DJANGO_SUPERUSER_PASSWORD: PASSWORD, PERSIST_TO: server.state },
    },
  );
  if (created.code !== 0) throw new Error(`createsuperuser failed:\n${created.log}`);
  const root = await json(base, "POST", "/api/token/", { username: "root", password: PASSWORD });
  const book = await json(
    base,
    "POST",
    "/api/books/",
    { title: "T", author: "A", published_date: "2020-01-01" },
    user.body.access,
  );
  const task = await json(base, "POST", "/api/tasks/", { title: "T" }, user.body.access);
  const profile = await json(base, "POST", "/api/profiles/", {}, user.body.access);
  const me = await json(base, "GET", "/api/users/me/", undefined, user.body.access);
  const sessions = await json(base, "GET", "/api/sessions/", undefined, user.body.access);
  const ids = {
    book: book.body.id,
    task: task.body.id,
    profile: profile.body.id,
    user: me.body.id,
    session: sessions.body[0].id,
  };
  const document = (await json(base, "GET", "/api/schema/")).body;

  const identities = [null, user.body, root.body];
  const every = [];
  for (const path of paths(document, ids)) {
    for (const method of METHODS) {
      const bodied = !["GET", "HEAD", "OPTIONS"].includes(method);
      for (const [identity, tokens] of identities.entries()) {
        const group = `${method} ${path} ${identity}`;
        for (const { type, body } of bodied ? bodies(FIELDS) : [{}]) {
          every.push({ group, method, path, tokens, type, body, headers: {} });
        }
        if (method === "GET" || method === "POST" || method === "OPTIONS") {
          for (const headers of headerVariants(tokens)) every.push({ group, method, path, tokens, headers });
        }
      }
    }
  }
  const requests = options.all ? every : sample(every, (r) => r.group, SAMPLE_SHARE, seed);
  // Requests that end the fuzzing users' own sessions go last, so that the others run authenticated.
  const endsSessions = (r) => r.method === "DELETE" && r.path.includes("sessions");
  requests.sort((a, b) => Number(endsSessions(a)) - Number(endsSessions(b)));
  console.log(
    options.all
      ? `fuzz: all ${every.length} requests against ${base}`
      : `fuzz: ${requests.length} of ${every.length} requests (seed ${seed}; replay: npm run fuzz -- --seed ${seed}; ` +
          `everything: npm run fuzz -- --all) against ${base}`,
  );
  await pool(requests, 16, async ({ method, path, tokens, type, body, headers }) => {
    const sent = {
      ...(type ? { "Content-Type": type } : {}),
      ...(tokens ? { Authorization: `Bearer ${tokens.access}` } : {}),
      ...headers,
    };
    let status;
    try {
      const res = await fetch(base + path, { method, headers: sent, body, redirect: "manual" });
      status = res.status;
      await res.arrayBuffer();
    } catch (e) {
      status = `network error: ${e.cause?.code ?? e.message}`;
    }
    counts[status] = (counts[status] ?? 0) + 1;
    if (++done % 10_000 === 0) console.log(`fuzz: ${done} sent`);
    if (typeof status !== "number" || status >= 500) {
      failures.push(`${status} ${method} ${path} ${JSON.stringify(sent).slice(0, 200)} ${String(body).slice(0, 100)}`);
    }
  });
} finally {
  await server.stop();
}
console.log("fuzz: responses by status", counts);
if (failures.length > 0) {
  console.error(`fuzz: ${failures.length} responses ≥ 500 or failed:\n  ${failures.slice(0, 40).join("\n  ")}`);
  if (!options.all) console.error(`fuzz: replay this sample with npm run fuzz -- --seed ${seed}`);
  process.exitCode = 1;
} else {
  console.log("fuzz: 0 responses ≥ 500");
}
