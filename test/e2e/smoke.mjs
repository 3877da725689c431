// End-to-end smoke test over real HTTP: starts `npm run dev` (the README's command), waits for it,
// walks register → token → authenticated request, and stops it. Run by .ci/run.
import { spawn } from "node:child_process";

const BASE = process.env.SMOKE_BASE_URL ?? "http://localhost:8787";
const dev = spawn("npm", ["run", "dev"], { stdio: ["ignore", "pipe", "pipe"], detached: true });
let log = "";
dev.stdout.on("data", (d) => (log += d));
dev.stderr.on("data", (d) => (log += d));

const stop = () => {
  try {
    process.kill(-dev.pid, "SIGTERM");
  } catch {}
};

async function waitForServer(deadline) {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${BASE}/api/users/me/`);
      if (res.status === 401) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`wrangler dev did not answer within the deadline:\n${log}`);
}

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

try {
  await waitForServer(Date.now() + 90_000);
  const username = `smoke${Date.now()}`;
  const password = "correct horse battery staple";
  const reg = await json("POST", "/api/register/", { username, password, password_confirm: password });
  check(reg.status === 201, "register answers 201", reg);
  const tok = await json("POST", "/api/token/", { username, password });
  check(tok.status === 200 && tok.body.access, "token answers 200 with an access token", tok);
  const me = await json("GET", "/api/users/me/", undefined, tok.body.access);
  check(me.status === 200 && me.body.username === username, "authenticated request answers the caller", me);
  console.log("smoke: 3 passed, 0 failed");
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
} finally {
  stop();
}
