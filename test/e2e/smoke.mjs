// End-to-end smoke test over real HTTP: starts `npm run dev` (the README's command) on a free port
// with fresh local state, waits for it, checks that it started quietly (each migration named once, no
// stack trace), walks register → token → authenticated request, and stops it. Run by .ci/run.
import { readdirSync } from "node:fs";
import { startDevServer } from "./dev-server.mjs";

const MIGRATIONS = readdirSync(new URL("../../migrations/", import.meta.url)).filter((name) => name.endsWith(".sql"));

let BASE;

function check(condition, message, detail) {
  if (!condition) throw new Error(`${message}: ${JSON.stringify(detail)}`);
  console.log(`  ok - ${message}`);
}

async function json(method, path, body, token) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

let stop = async () => {};
try {
  let log;
  ({ url: BASE, stop, log } = await startDevServer());
  const started = log();
  for (const name of MIGRATIONS) {
    check(started.split(name).length === 2, `npm run dev names migration ${name} once`, started);
  }
  // Offline, wrangler dev would print one when it cannot fetch Request.cf (package.json's dev script).
  check(!/^\s+at \S/m.test(started), "npm run dev prints no stack trace", started);
  const username = `smoke${Date.now()}`;
  const password = "correct horse battery staple";
  const reg = await json("POST", "/api/register/", { username, password, password_confirm: password });
  check(reg.status === 201, "register answers 201", reg);
  const tok = await json("POST", "/api/token/", { username, password });
  check(tok.status === 200 && tok.body.access, "token answers 200 with an access token", tok);
  const me = await json("GET", "/api/users/me/", undefined, tok.body.access);
  check(me.status === 200 && me.body.username === username, "authenticated request answers the caller", me);
  console.log(`smoke: ${MIGRATIONS.length + 4} passed, 0 failed`);
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
} finally {
  await stop();
}
