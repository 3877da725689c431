// `npm run dev` (the README's command) for the end-to-end tests: started in its own process group,
// awaited until the API answers, and stopped with everything it spawned.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const API = "http://localhost:8787";
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PROBE = `${API}/api/users/me/`; // 401 once the Worker serves requests

async function status(url) {
  try {
    return (await fetch(url)).status;
  } catch {
    return null;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts `npm run dev [-- ...args]` and resolves with a function that stops it. */
export async function startDevServer(args = []) {
  // A server still shutting down (an earlier step's) gets a moment to go.
  for (let wait = 0; (await status(PROBE)) !== null; wait++) {
    if (wait === 20) throw new Error(`${API} is already taken: stop that server first`);
    await sleep(500);
  }
  const dev = spawn("npm", ["run", "dev", ...(args.length ? ["--", ...args] : [])], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  dev.stdout.on("data", (d) => (log += d));
  dev.stderr.on("data", (d) => (log += d));
  const deadline = Date.now() + 90_000;
  while ((await status(PROBE)) !== 401) {
    if (Date.now() > deadline) throw new Error(`wrangler dev did not answer within 90 s:\n${log}`);
    await sleep(500);
  }
  return () => {
    try {
      process.kill(-dev.pid, "SIGTERM");
    } catch {}
  };
}
