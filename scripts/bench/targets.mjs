// The benchmark's targets, each judged on this run's own figures.
import { ms, ratio, table } from "./format.mjs";
import { ceilingOf } from "./scenarios.mjs";

/** Issue 7's throughput targets, as ratios to the ceiling's req/s in the same run. */
export const THROUGHPUT_TARGETS = { "books-anon": 0.5, "tasks-many": 0.35, "tasks-one": 0.35 };

// Issue 10 set "≤ 1.3 ms" when the ceiling cost 0.235 ms of CPU (BENCHMARKS.md of 2026-11-25). This
// machine is shared and its speed drifts between runs by more than that margin (the same ceiling
// has cost 0.22–0.61 ms), so the figure is judged as the ratio it meant then: 1.3 / 0.235.
const TASKS_CPU_MS = 1.3;
const TASKS_CPU_CEILING_MS = 0.235;
const REFUSED_CPU_RATIO = 1.2;
const SINGLE_REGION_SHARE = 1 / 5;

const verdict = (met) => (met ? "met" : "**not met**");
const byKey = (rows = []) => Object.fromEntries(rows.map((row) => [row.key, row]));

/** Issue 10's targets: round trips under the latency model, and CPU per request under load. */
export function edgeTargetsSection(results) {
  const load = byKey(results.load);
  const throttling = byKey(results.throttling);
  const modelled = byKey(results.latencyModel?.rows);
  const ceiling = ceilingOf(results.load).cpu;
  const rows = [];
  const reads = ["books-anon", "tasks-many"].map((key) => modelled[key]).filter(Boolean);
  if (reads.length > 0) {
    const trips = reads.map((r) => `${r.title}: ${r.io.primary?.median} primary, ${r.io.rounds?.median} round`);
    const met = reads.every((r) => r.io.primary?.max === 0 && r.io.rounds?.max === 1);
    rows.push(["GETs: 0 round trips to the primary, one round of I/O", trips.join("; "), verdict(met)]);
  }
  const tasks = modelled["tasks-many"];
  if (tasks) {
    const share = tasks.modelled.p50 / tasks.singleRegion;
    rows.push([
      "p50 of GET /api/tasks/ under the model ≤ 1/5 of single-region",
      `${ms(tasks.modelled.p50)} ms of ${ms(tasks.singleRegion)} ms: × ${ratio(share)}`,
      verdict(share <= SINGLE_REGION_SHARE),
    ]);
  }
  const writes = ["books-create", "token-refresh", "token-obtain"].map((key) => modelled[key]).filter(Boolean);
  if (writes.length > 0) {
    rows.push([
      "A write: one primary round trip plus what it cannot avoid",
      writes.map((r) => `${r.title}: ${r.io.primary?.median} primary`).join("; ") +
        " (a login reads the account on the primary, checks the password, then writes its session)",
      verdict(writes.every((r) => r.key === "token-obtain" || r.io.primary?.median === 1)),
    ]);
  }
  if (ceiling !== null && load["tasks-many"]?.cpu) {
    const cpu = load["tasks-many"].cpu;
    const allowed = TASKS_CPU_MS / TASKS_CPU_CEILING_MS;
    rows.push([
      `workerd CPU per authenticated GET /api/tasks/ ≤ ${TASKS_CPU_MS} ms (× ${ratio(allowed)} the ceiling's CPU when set)`,
      `${ms(cpu)} ms, × ${ratio(cpu / ceiling)} this run's ceiling (${ms(ceiling)} ms) ≈ ${ms((cpu / ceiling) * TASKS_CPU_CEILING_MS)} ms on the machine of the target`,
      verdict(cpu / ceiling <= allowed),
    ]);
  }
  const refused = throttling["throttle-refused"];
  const floor = throttling["app-floor"];
  if (ceiling !== null && refused?.cpu && floor?.cpu) {
    rows.push([
      `A refused request's workerd CPU ≤ ${REFUSED_CPU_RATIO} × the ceiling's`,
      `× ${ratio(refused.cpu / ceiling)} (${ms(refused.cpu)} ms); the app's own 404, with no token and no I/O: × ${ratio(floor.cpu / ceiling)}`,
      verdict(refused.cpu / ceiling <= REFUSED_CPU_RATIO),
    ]);
  }
  return [
    "Judged on this run's figures. The ceiling is a bare Hono route: no request-id and access-log line, no",
    "security headers, CORS, configuration, routing among the API's routes or token verification, all of",
    "which any request to the API passes through, a refused one included (the app's 404 row in Cost of",
    "throttling is that floor).",
    "",
    table(["Target", "this run", "verdict"], rows),
  ].join("\n");
}
