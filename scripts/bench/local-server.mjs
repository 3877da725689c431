// The app served by workerd itself (Miniflare's API), not through `wrangler dev`, whose Node proxy
// caps throughput near 1.2k req/s and would be what the benchmark measured.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { cpuClock, workerdChildren } from "./server-cpu.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
/** The bench Worker; with `--profile`, the one that adds /__bench/profile/:op. */
export const ENTRIES = { default: "scripts/bench/worker/entry.ts", profile: "scripts/bench/worker/profile/entry.ts" };
export const WORKER_NAME = "edge-drf-bench";

let tomlWorker;
/** wrangler.toml's Worker, read once (wrangler logs each reading). */
const wranglerToml = () =>
  (tomlWorker ??= unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml")).workerOptions);

// The latency model finds each binding call's request through AsyncLocalStorage (node:async_hooks),
// which workerd offers under this flag. The app imports nothing of it.
const compatibilityFlags = () => [...new Set([...(wranglerToml().compatibilityFlags ?? []), "nodejs_als"])];

/** A bench entry bundled the way `wrangler deploy` bundles the real Worker. */
export function bundleWorker(entry) {
  const outdir = mkdtempSync(join(tmpdir(), "edge-drf-bench-"));
  const flags = compatibilityFlags().map((flag) => `--compatibility-flags=${flag}`);
  // --env="": wrangler.toml's top level (local defaults), not [env.production].
  execFileSync("npx", ["wrangler", "deploy", entry, "--dry-run", "--env=", "--outdir", outdir, ...flags], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const scriptPath = join(outdir, `${basename(entry, ".ts")}.js`);
  return { scriptPath, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

/** A TCP port nobody listens on right now, for workerd's inspector. */
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });

/** The run's secrets: a signing key set (one current HS256 key, as src/lib/key-set.ts reads it) and a SECRET_KEY. */
function signingSecrets() {
  const secret = randomBytes(32);
  const key = { kid: "bench", alg: "HS256", kty: "oct", k: secret.toString("base64url"), state: "current", use: "sig" };
  return { JWT_SIGNING_KEYS: JSON.stringify({ keys: [key] }), SECRET_KEY: randomBytes(32).toString("base64") };
}

/**
 * Where Miniflare keeps D1, KV, R2 and Durable Object storage for the run: a tmpfs when there is one.
 * Local D1 opens and deletes a rollback journal and fsyncs on every query; on this VM's disk that
 * doubles a D1 round trip, which measures the disk, not workerd (nor production D1).
 */
export const STORAGE_ROOT = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();

/**
 * Every configured throttle rate raised to a million per second, so no load scenario is cut short.
 * A one-second window keeps the limiter's sliding log about as long as real rates keep it (≤ 1,000
 * entries an hour), so the Durable Object hop costs what it costs in production.
 */
export const raisedRates = (rates) =>
  Object.fromEntries(Object.entries(rates).map(([scope, rate]) => [scope, rate === null ? null : "1000000/sec"]));

/** drizzle-kit's SQL files in order, each split into its statements. */
function migrationStatements() {
  const dir = join(ROOT, "migrations");
  return readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .flatMap((name) => readFileSync(join(dir, name), "utf8").split("--> statement-breakpoint"))
    .map((statement) => statement.trim())
    .filter(Boolean);
}

/**
 * The Worker's log lines: its access log is a line per request, tens of thousands in a run, so only
 * warnings and errors reach the terminal unless `all` (--logs).
 */
const workerLog =
  (all) =>
  ({ level, message }) => {
    if (level === "error" || level === "warn") console.error(message);
    else if (all) console.log(message);
  };

/**
 * Starts workerd with the bindings of wrangler.toml (D1, KV, R2, Durable Objects, vars), fresh
 * storage under STORAGE_ROOT, migrations applied and a fresh JWT secret. `rates`: "raised" for the load scenarios,
 * "config" for wrangler.toml's own rates (the exactness scenario). `inspector` opens workerd's
 * inspector, for the CPU profile. `logs`: every log line of the Worker, not only its warnings and errors.
 */
export async function startLocalServer(scriptPath, { rates, inspector = false, logs = false }) {
  // The bundle already holds every module, so wrangler's module rules (which Miniflare 5 refuses) go.
  const { modulesRules: _bundled, ...worker } = wranglerToml();
  const inspectorPort = inspector ? await freePort() : undefined;
  const configured = worker.bindings.DEFAULT_THROTTLE_RATES;
  const storage = mkdtempSync(join(STORAGE_ROOT, "edge-drf-bench-storage-"));
  // wrangler still describes a Worker in Miniflare 4's option shape; Miniflare 5 converts it.
  const options = convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    inspectorPort,
    handleStructuredLogs: workerLog(logs),
    workers: [
      {
        ...worker,
        name: WORKER_NAME,
        rootPath: ROOT,
        modules: true,
        scriptPath,
        modulesRoot: dirname(scriptPath),
        compatibilityFlags: compatibilityFlags(),
        bindings: {
          ...worker.bindings,
          ...signingSecrets(),
          DEFAULT_THROTTLE_RATES: rates === "raised" ? raisedRates(configured) : configured,
        },
      },
    ],
  });
  const before = new Set(workerdChildren());
  const mf = new Miniflare({ ...options, resourcePersistencePath: storage });
  const url = await mf.ready;
  const cpuMs = cpuClock(workerdChildren().find((pid) => !before.has(pid)));
  const db = await mf.getD1Database("DB");
  for (const statement of migrationStatements()) await db.prepare(statement).run();
  const dispose = async () => {
    await mf.dispose();
    rmSync(storage, { recursive: true, force: true });
  };
  return {
    url: url.origin,
    db,
    cpuMs,
    dispose,
    inspector: inspector ? { port: inspectorPort, workerName: WORKER_NAME } : null,
  };
}
