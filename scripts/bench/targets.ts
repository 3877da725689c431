// The benchmark's targets, each judged on this run's own figures: the verdicts BENCHMARKS.md shows,
// and the one line (and exit status) `npm run bench` ends with.
import { ms, ratio, table } from "./format.ts";

/** The figures of a run that targets are judged on (what run.mjs gathers). */
export type LoadRow = { key: string; title: string; rps: number; cpu: number | null };
type Figure = { median: number; min: number; max: number };
type ModelledRow = {
  key: string;
  title: string;
  io: { primary?: Figure; rounds?: Figure };
  modelled: { p50: number };
  singleRegion: number;
};
export type ExactnessRound = { admitted: number; refused: number; other: number[]; stored: number };
export type BenchResults = {
  load: LoadRow[];
  latencyModel?: { rows: ModelledRow[] };
  throttling?: LoadRow[];
  exactness?: ExactnessRound[];
};

/** One target: what it asks, what this run measured, and whether that meets it. */
export type Verdict = { target: string; figure: string; met: boolean };

/** Issue 7's throughput targets, as ratios to the ceiling's req/s in the same run. */
export const THROUGHPUT_TARGETS: Record<string, number> = { "books-anon": 0.5, "tasks-many": 0.35, "tasks-one": 0.35 };

/** 50 concurrent creates by one user against the real 5/day `book_create` rate must admit exactly 5. */
export const EXACTNESS_ATTEMPTS = 50;
export const EXACTNESS_QUOTA = 5;

// Issue 10 set "≤ 1.3 ms" when the ceiling cost 0.235 ms of CPU (BENCHMARKS.md of 2026-11-25). This
// machine is shared and its speed drifts between runs by more than that margin (the same ceiling
// has cost 0.22–0.61 ms), so the figure is judged as the ratio it meant then: 1.3 / 0.235.
const TASKS_CPU_MS = 1.3;
const TASKS_CPU_CEILING_MS = 0.235;
const REFUSED_CPU_RATIO = 1.2;
const SINGLE_REGION_SHARE = 1 / 5;

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
const byKey = <T extends { key: string }>(rows: T[] = []) => Object.fromEntries(rows.map((row) => [row.key, row]));

/** The ceiling of a run: the mean of its measurements at the start and at the end. */
export function ceilingOf(load: LoadRow[]) {
  const ceilings = load.filter((row) => row.key.startsWith("ceiling"));
  const cpus = ceilings.map((row) => row.cpu).filter((cpu) => cpu !== null);
  return { rps: mean(ceilings.map((row) => row.rps)), cpu: cpus.length ? mean(cpus) : null };
}

/** A load row against its throughput target: undefined when it has none. */
export function throughputVerdict(row: LoadRow, load: LoadRow[]): Verdict | undefined {
  const target = THROUGHPUT_TARGETS[row.key];
  if (target === undefined) return undefined;
  const share = row.rps / ceilingOf(load).rps;
  return {
    target: `${row.title}: ≥ ${target} × the ceiling's req/s`,
    figure: `× ${ratio(share)}`,
    met: share >= target,
  };
}

/** The quota admitted exactly its number in every round, and the API lists exactly those books. */
export const exactnessMet = (rounds: ExactnessRound[]) =>
  rounds.every((r) => r.admitted === EXACTNESS_QUOTA && r.stored === EXACTNESS_QUOTA && r.other.length === 0);

/** Issue 10's targets: round trips under the latency model, and CPU per request under load. */
function edgeVerdicts(results: BenchResults): Verdict[] {
  const load = byKey(results.load);
  const throttling = byKey(results.throttling);
  const modelled = byKey(results.latencyModel?.rows);
  const ceiling = ceilingOf(results.load).cpu;
  const verdicts: Verdict[] = [];
  const reads = ["books-anon", "tasks-many"].map((key) => modelled[key]).filter((row) => row !== undefined);
  if (reads.length > 0) {
    verdicts.push({
      target: "GETs: 0 round trips to the primary, one round of I/O",
      figure: reads.map((r) => `${r.title}: ${r.io.primary?.median} primary, ${r.io.rounds?.median} round`).join("; "),
      met: reads.every((r) => r.io.primary?.max === 0 && r.io.rounds?.max === 1),
    });
  }
  const tasks = modelled["tasks-many"];
  if (tasks) {
    const share = tasks.modelled.p50 / tasks.singleRegion;
    verdicts.push({
      target: "p50 of GET /api/tasks/ under the model ≤ 1/5 of single-region",
      figure: `${ms(tasks.modelled.p50)} ms of ${ms(tasks.singleRegion)} ms: × ${ratio(share)}`,
      met: share <= SINGLE_REGION_SHARE,
    });
  }
  const writes = ["books-create", "token-refresh", "token-obtain", "mfa-verify"]
    .map((key) => modelled[key])
    .filter((row) => row !== undefined);
  if (writes.length > 0) {
    verdicts.push({
      target: "A write, a login and a second factor's login: one primary round trip each",
      figure: writes.map((r) => `${r.title}: ${r.io.primary?.median} primary`).join("; "),
      met: writes.every((r) => r.io.primary?.median === 1),
    });
  }
  const cpu = load["tasks-many"]?.cpu;
  if (ceiling !== null && cpu) {
    const allowed = TASKS_CPU_MS / TASKS_CPU_CEILING_MS;
    verdicts.push({
      target: `workerd CPU per authenticated GET /api/tasks/ ≤ ${TASKS_CPU_MS} ms (× ${ratio(allowed)} the ceiling's CPU when set)`,
      figure: `${ms(cpu)} ms, × ${ratio(cpu / ceiling)} this run's ceiling (${ms(ceiling)} ms) ≈ ${ms((cpu / ceiling) * TASKS_CPU_CEILING_MS)} ms on the machine of the target`,
      met: cpu / ceiling <= allowed,
    });
  }
  const refused = throttling["throttle-refused"]?.cpu;
  const floor = throttling["app-floor"]?.cpu;
  if (ceiling !== null && refused && floor) {
    verdicts.push({
      target: `A refused request's workerd CPU ≤ ${REFUSED_CPU_RATIO} × the ceiling's`,
      figure: `× ${ratio(refused / ceiling)} (${ms(refused)} ms); the app's own 404, with no token and no I/O: × ${ratio(floor / ceiling)}`,
      met: refused / ceiling <= REFUSED_CPU_RATIO,
    });
  }
  return verdicts;
}

/** Every target this run can judge: throughput, the edge data path (local runs) and the quota's exactness. */
export function judgeTargets(results: BenchResults): Verdict[] {
  const throughput = results.load.map((row) => throughputVerdict(row, results.load)).filter((v) => v !== undefined);
  const exactness = results.exactness && {
    target: `The 5/day quota admits exactly ${EXACTNESS_QUOTA} of ${EXACTNESS_ATTEMPTS} concurrent creates, every round`,
    figure: results.exactness.map((r) => `${r.admitted} admitted, ${r.stored} listed`).join("; "),
    met: exactnessMet(results.exactness),
  };
  return [...throughput, ...edgeVerdicts(results), ...(exactness ? [exactness] : [])];
}

/** The line a run ends with: how many targets were met, and which were not, with this run's figures. */
export function targetsSummary(verdicts: Verdict[]): string {
  const missed = verdicts.filter((v) => !v.met);
  if (missed.length === 0) return `Targets: all ${verdicts.length} met.`;
  const list = missed.map((v) => `\n  - ${v.target} (${v.figure})`).join("");
  return `Targets: ${verdicts.length - missed.length} of ${verdicts.length} met; not met:${list}`;
}

/** The edge data path's targets as BENCHMARKS.md shows them. */
export function edgeTargetsSection(results: BenchResults) {
  const rows = edgeVerdicts(results).map((v) => [v.target, v.figure, v.met ? "met" : "**not met**"]);
  return [
    "Judged on this run's figures. The ceiling is a bare Hono route: no request-id and access-log line, no",
    "security headers, CORS, configuration, routing among the API's routes or token verification, all of",
    "which any request to the API passes through, a refused one included (the app's 404 row in Cost of",
    "throttling is that floor).",
    "",
    table(["Target", "this run", "verdict"], rows),
  ].join("\n");
}
