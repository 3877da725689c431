// `npm run dev` (the README's command) for the end-to-end tests: on a free port, with its own fresh
// local state, started in its own process group, awaited until the API answers, and stopped with
// everything it spawned. Nothing here touches a developer's own server on :8787 or its .wrangler/state.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "localhost", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function status(url) {
  try {
    return (await fetch(url)).status;
  } catch {
    return null;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs a command in the project root; resolves with its exit code and everything it printed. */
export function run(command, args, options = {}) {
  const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], ...options });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, log })));
}

/**
 * Starts `npm run dev -- --port <port> --persist-to <state>` on an empty state directory with the D1
 * migrations applied, so users and throttles start from nothing.
 *
 * - `port`: default a free one.
 * - `state`: the directory to wipe and use; default a temporary one, deleted on stop.
 * - `vars`: Worker vars that override wrangler.toml's (`--var NAME:value`).
 *
 * Resolves with `{ url, state, log, stop }`; `stop()` ends the server and everything it spawned.
 */
export async function startDevServer({ port, state, vars = {} } = {}) {
  port ??= await freePort();
  const url = `http://localhost:${port}`;
  const probe = `${url}/api/users/me/`; // 401 once the Worker serves requests
  if ((await status(probe)) !== null) throw new Error(`${url} is already taken: stop that server first`);

  const temporary = state === undefined;
  state ??= await mkdtemp(join(tmpdir(), "edge-drf-api-state-"));
  await rm(state, { recursive: true, force: true });

  const varArgs = Object.entries(vars).map(([name, value]) => `--var=${name}:${value}`);
  // predev (scripts/dev-setup.mjs) applies the migrations to PERSIST_TO; wrangler dev serves --persist-to.
  const dev = spawn("npm", ["run", "dev", "--", "--port", String(port), "--persist-to", state, ...varArgs], {
    cwd: ROOT,
    env: { ...process.env, PERSIST_TO: state },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  dev.stdout.on("data", (d) => (log += d));
  dev.stderr.on("data", (d) => (log += d));
  const exited = new Promise((resolve) => dev.on("exit", resolve));
  let alive = true;
  exited.then(() => (alive = false));
  // The server has its own process group, so Ctrl-C on the test does not reach it: end it here.
  const interrupted = () => {
    try {
      process.kill(-dev.pid, "SIGTERM");
    } catch {}
    if (temporary) rmSync(state, { recursive: true, force: true });
    process.exit(130);
  };
  process.once("SIGINT", interrupted).once("SIGTERM", interrupted);

  const stop = async () => {
    process.off("SIGINT", interrupted).off("SIGTERM", interrupted);
    if (alive) {
      try {
        process.kill(-dev.pid, "SIGTERM");
      } catch {}
      await Promise.race([exited, sleep(10_000)]);
    }
    if (temporary) await rm(state, { recursive: true, force: true });
  };

  const deadline = Date.now() + 90_000;
  while ((await status(probe)) !== 401) {
    if (!alive || Date.now() > deadline) {
      await stop();
      throw new Error(`npm run dev did not answer on ${url} ${alive ? "within 90 s" : "(it exited)"}:\n${log}`);
    }
    await sleep(500);
  }
  return { url, state, log: () => log, stop };
}
