// `npm run bench [-- --url https://… --duration 6 --connections 32 --model primary=150,… --profile --out FILE --logs]`:
// the scenarios of issue 7 against the real app on local workerd (default) or a deployed Worker (--url).
// Ends with the targets' summary; exits with status 1 when one is not met.
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { apiClient, loginSessions, mfaChallenges, registerUser, runId, seedViaApi } from "./client.mjs";
import { MODEL_CONNECTIONS, MODELLED, measureLatencyModel, parseModel } from "./latency-model.mjs";
import { runLoad } from "./load.mjs";
import { bundleWorker, ENTRIES, STORAGE_ROOT, startLocalServer } from "./local-server.mjs";
import { markdown, printSummary } from "./report.mjs";
import { seedOtherUsersTasks } from "./scale.mjs";
import {
  CEILING_PATH,
  CREATED_BOOK_TITLE,
  exactness,
  loadScenarios,
  mfaScenario,
  throttleScenarios,
} from "./scenarios.mjs";
import { judgeTargets, targetsSummary } from "./targets.ts";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    duration: { type: "string", default: "6" },
    connections: { type: "string", default: "32" },
    model: { type: "string", default: "" },
    profile: { type: "boolean", default: false },
    out: { type: "string" },
    logs: { type: "boolean", default: false },
  },
});
const remote = args.url?.replace(/\/$/, "");
const duration = Number(args.duration);
const connections = Number(args.connections);
let model;
try {
  model = parseModel(args.model);
} catch (e) {
  console.error(e.message);
  process.exit(2);
}
const profiling = args.profile && !remote;
/** Seconds per one-connection latency row and per CPU-profiled load (shorter if --duration is). */
const SHORT_DURATION = Math.min(4, duration);
const single = { connections: 1, duration: SHORT_DURATION };
const started = Date.now();
const log = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}`);

const bundle = remote ? null : bundleWorker(profiling ? ENTRIES.profile : ENTRIES.default);
const server = remote
  ? null
  : await startLocalServer(bundle.scriptPath, { rates: "raised", inspector: profiling, logs: args.logs });
process.once("SIGINT", async () => {
  await server?.dispose();
  bundle?.cleanup();
  process.exit(130);
});
const base = remote ?? server.url;
const api = apiClient(base);
const id = runId();
const cpuMs = server?.cpuMs ?? null;
// Loaded only with --profile: its Worker routes and the app internals they import are not in the default run.
const profiler = profiling ? await import("./profile/measure.mjs") : null;

/** One scenario as a table row, with workerd's CPU time per request when it can be read. */
async function load(key, title, spec, options = { connections, duration }) {
  const cpuBefore = cpuMs?.();
  const row = { key, title, ...(await runLoad(base, { ...options, ...spec })) };
  row.cpu = cpuMs ? (cpuMs() - cpuBefore) / row.requests : null;
  const cpu = row.cpu === null ? "" : `, workerd CPU ${row.cpu.toFixed(2)} ms/req`;
  const latency = `p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms`;
  log(`${title}: ${Math.round(row.rps)} req/s, ${latency}, non-2xx ${row.non2xx}${cpu}`);
  return row;
}

/** The book list is not paginated: whatever runs after a create scenario measures it with the 100 seeded books again. */
const removeCreatedBooks = () => server.db.prepare("DELETE FROM books WHERE title = ?").bind(CREATED_BOOK_TITLE).run();

/** MFA verifies the latency model sends (each spends a challenge and a recovery code): enough for its two runs. */
const MFA_VERIFIES = 320;

/** The MODELLED scenarios alone and under the latency model. */
async function measureUnderModel(seeded) {
  log(`latency model: ${MODEL_CONNECTIONS} connections, ${JSON.stringify(model)}`);
  // Fresh sessions for the refresh chain: the throughput rows rotated theirs. And logins waiting for
  // their second factor, one for each MFA verify the two runs of the model may send.
  const sessions = await loginSessions(api, seeded.users, 2 * MODEL_CONNECTIONS);
  const challenges = await mfaChallenges(base, api, id, MFA_VERIFIES);
  const scenarios = [
    ...loadScenarios({ users: seeded.users, sessions }),
    mfaScenario(challenges),
    ...throttleScenarios(seeded),
  ].filter((s) => MODELLED.includes(s.key));
  const result = await measureLatencyModel(base, scenarios, { model, duration, singleDuration: SHORT_DURATION, log });
  await removeCreatedBooks();
  return result;
}

/** Under the full load: one DO hop is a few tenths of a ms, below what a one-connection row can resolve here. */
async function measureThrottling(seeded) {
  const rows = [];
  for (const { key, title, spec } of throttleScenarios(seeded)) rows.push(await load(key, title, spec));
  return rows;
}

/**
 * One user's task list before and after 100,000 other tasks are added: its latency on one connection
 * and its CPU cost under the full load; with --profile, its query alone too.
 */
async function measureScaling(seeded) {
  const spec = throttleScenarios(seeded).find((s) => s.key === "throttle-on").spec;
  const count = async () =>
    (await server.db.prepare("SELECT count(*) AS n FROM tasks").first()).n.toLocaleString("en-US");
  const measure = async (key) => {
    const title = `GET /api/tasks/, ${await count()} tasks in the table`;
    const query = profiler ? { query: await profiler.taskQueryMs(base, seeded.users[0].access, cpuMs) } : {};
    return [
      { ...(await load(key, `${title} (1 connection)`, spec, single)), ...query },
      { ...(await load(key, `${title} (${connections} connections)`, spec)), ...query },
    ];
  };
  const before = await measure("scale-before");
  log("seeding 100,000 tasks of 10,000 other users through the D1 binding");
  await seedOtherUsersTasks(server.db);
  return [...before, ...(await measure("scale-after"))];
}

/** The real 5/day quota: the deployed Worker's own, or a local server with wrangler.toml's rates. */
async function measureExactness() {
  log("exactness: 50 concurrent creates against the 5/day quota");
  if (remote) return exactness(api, id);
  const real = await startLocalServer(bundle.scriptPath, { rates: "config", logs: args.logs });
  try {
    return await exactness(apiClient(real.url), id);
  } finally {
    await real.dispose();
  }
}

const results = { load: [] };
try {
  log(`seeding ${base} through the API`);
  const users = await seedViaApi(api, id);
  // One session more than the refresh scenario rotates: the profile's sequential refresh chain needs its own.
  const [profileSession, ...sessions] = await loginSessions(api, users, connections + 17);
  const seeded = { users, profileSession, refusedUser: await registerUser(api, `bench-${id}-refused`) };

  const ceilingTitle = remote
    ? "Ceiling: the app's 404 (no bench route deployed)"
    : "Ceiling: bare Hono route, same server";
  results.load.push(await load("ceiling-start", `${ceilingTitle} (start)`, { path: CEILING_PATH }));
  const scenarios = loadScenarios({ users, sessions });
  for (const { key, title, spec } of scenarios) results.load.push(await load(key, title, spec));
  results.load.push(await load("ceiling-end", `${ceilingTitle} (end)`, { path: CEILING_PATH }));

  if (!remote) {
    await removeCreatedBooks();
    results.latencyModel = await measureUnderModel(seeded);
    results.throttling = await measureThrottling(seeded);
    if (profiler) {
      const load = { connections, duration: SHORT_DURATION };
      const profile = {
        base,
        server,
        bundlePath: bundle.scriptPath,
        ceilingPath: CEILING_PATH,
        seeded,
        scenarios,
        load,
        log,
      };
      Object.assign(results, await profiler.measureProfile(profile));
    }
    results.scaling = await measureScaling(seeded);
  }
  results.exactness = await measureExactness();
} finally {
  await server?.dispose();
  bundle?.cleanup();
}

printSummary(results);
const out = args.out ?? (remote ? null : "BENCHMARKS.md");
if (out) {
  const meta = {
    date: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    machine: `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length}, Linux ${release()}`,
    node: process.versions.node,
    remote,
    profile: profiling,
    storage: STORAGE_ROOT,
    connections,
    duration,
    howTo: readFileSync(new URL("./running.md", import.meta.url), "utf8").trim(),
  };
  writeFileSync(resolve(fileURLToPath(new URL("../../", import.meta.url)), out), markdown(results, meta));
  log(`wrote ${out}`);
}
const verdicts = judgeTargets(results);
console.log(`\n${targetsSummary(verdicts)}`);
if (verdicts.some((verdict) => !verdict.met)) process.exitCode = 1;
