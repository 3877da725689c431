// Turns one run's figures into the console table and BENCHMARKS.md.
import { BREAKDOWN, COMPONENTS } from "./profile.mjs";
import { EXACTNESS_ATTEMPTS, EXACTNESS_QUOTA } from "./scenarios.mjs";

/** Targets of issue 7, as ratios to the ceiling measured in the same run. */
export const TARGETS = { "books-anon": 0.5, "tasks-many": 0.35, "tasks-one": 0.35 };

const ms = (value) => (value === undefined || value === null ? "–" : value < 10 ? value.toFixed(2) : value.toFixed(1));
const int = (value) => Math.round(value).toLocaleString("en-US");
const ratio = (value) => value.toFixed(2);

function table(header, rows) {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join(
    "\n",
  );
}

const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;

/** The ceiling of the run: the mean of its measurements at the start and at the end. */
export function ceilingOf(load) {
  const ceilings = load.filter((row) => row.key.startsWith("ceiling"));
  const cpus = ceilings.map((row) => row.cpu).filter((cpu) => cpu !== null);
  return { rps: mean(ceilings.map((row) => row.rps)), cpu: cpus.length ? mean(cpus) : null };
}

export function loadTable(load) {
  const ceiling = ceilingOf(load);
  const withCpu = ceiling.cpu !== null;
  const header = ["Scenario", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors", "× ceiling", "target"];
  if (withCpu) header.splice(6, 0, "workerd CPU ms/req", "× ceiling by CPU");
  return table(
    header,
    load.map((row) => {
      const target = TARGETS[row.key];
      const verdict = target === undefined ? "" : `≥ ${target}: ${row.rps / ceiling.rps >= target ? "met" : "**not met**"}`;
      const cells = [row.title, int(row.rps), ms(row.p50), ms(row.p99), int(row.non2xx), int(row.errors)];
      if (withCpu) cells.push(ms(row.cpu), ratio(ceiling.cpu / row.cpu));
      return [...cells, ratio(row.rps / ceiling.rps), verdict];
    }),
  );
}

export function printSummary(results) {
  console.log(`\n${loadTable(results.load)}\n`);
  for (const row of [...(results.throttling ?? []), ...(results.scaling ?? [])]) {
    const cpu = row.cpu === null ? "" : `, workerd CPU ${ms(row.cpu)} ms/req`;
    console.log(`${row.title}: ${int(row.rps)} req/s, p50 ${ms(row.p50)} ms, p99 ${ms(row.p99)} ms${cpu}`);
  }
  for (const [i, round] of (results.exactness ?? []).entries()) {
    console.log(`Exactness round ${i + 1}: ${round.admitted}/${EXACTNESS_ATTEMPTS} admitted (quota ${EXACTNESS_QUOTA})`);
  }
}

function latencyRows(rows, extra = []) {
  return table(
    ["Request", "p50 ms", "p99 ms", "req/s", "non-2xx", "workerd CPU ms/req", ...extra.map((e) => e.title)],
    rows.map((r) => [r.title, ms(r.p50), ms(r.p99), int(r.rps), int(r.non2xx), ms(r.cpu), ...extra.map((e) => ms(r[e.key]))]),
  );
}

function exactnessSection(rounds) {
  const ok = rounds.every((r) => r.admitted === EXACTNESS_QUOTA && r.stored === EXACTNESS_QUOTA && r.other.length === 0);
  return [
    `${EXACTNESS_ATTEMPTS} concurrent \`POST /api/books/\` by one fresh user against the real \`book_create\` rate`,
    `(5/day, wrangler.toml's rates, on a server of its own), repeated with ${rounds.length} users.`,
    "",
    table(
      ["Round", "admitted (201)", "refused (429)", "other", "books listed afterwards"],
      rounds.map((r, i) => [i + 1, r.admitted, r.refused, r.other.length ? r.other.join(", ") : "none", r.stored]),
    ),
    "",
    `**${ok ? "Exact" : "NOT exact"}:** ${ok ? "every round admitted exactly 5." : "some round did not admit exactly 5."}`,
  ].join("\n");
}

/** The kind of cost a component is, for the per-request shares. */
const KINDS = [
  [/^d1-/, "D1"],
  [/^do-/, "Durable Object hop"],
  [/^(jwt|pbkdf2)/, "crypto"],
  [/^kv-/, "KV"],
  [/^serialize/, "serialisation"],
];
const kindOf = (op) => KINDS.find(([pattern]) => pattern.test(op))?.[1] ?? op;

/** "D1 52 % · Durable Object hop 9 % · …" for one request, from its components, ceiling and rest. */
function shares(ops, costs, total, ceiling, basis) {
  const byKind = new Map([["HTTP + workerd (the ceiling)", ceiling]]);
  for (const op of ops) byKind.set(kindOf(op), (byKind.get(kindOf(op)) ?? 0) + costs[op][basis]);
  const explained = [...byKind.values()].reduce((sum, v) => sum + v, 0);
  byKind.set("app code and the rest", Math.max(0, total - explained));
  return [...byKind]
    .sort((a, b) => b[1] - a[1])
    .map(([kind, value]) => `${kind} ${Math.round((100 * value) / total)} %`)
    .join(" · ");
}

function breakdownSection(profile) {
  const { costs, sequential } = profile;
  // workerd's CPU time when it can be read: unlike wall time, other processes on the machine hardly move it.
  const basis = sequential.ceiling.cpu === null ? "wall" : "cpu";
  const components = table(
    ["Component", "wall ms per call", "workerd CPU ms per call"],
    COMPONENTS.map(({ op, label }) => [`${label} (\`${op}\`)`, ms(costs[op].wall), ms(costs[op].cpu)]),
  );
  const rows = Object.entries(BREAKDOWN).map(([key, ops]) => {
    const explained = ops.reduce((sum, op) => sum + costs[op][basis], 0);
    const total = sequential[key][basis];
    const rest = total - sequential.ceiling[basis] - explained;
    const parts = ops.map((op) => `${op} ${ms(costs[op][basis])}`).join(" + ");
    return [key, ms(sequential[key].wall), ms(total), ms(sequential.ceiling[basis]), parts, ms(rest)];
  });
  const unit = basis === "cpu" ? "workerd CPU ms" : "wall ms";
  return [
    "Each component timed alone inside the Worker (a bench-only route runs it n times; a request running",
    "it 0 times is subtracted), then whole requests sent one at a time. *Rest* is what neither the ceiling",
    "route (HTTP, workerd, a bare Hono route) nor the listed components explain: the app's middleware,",
    "routing, zod validation, Drizzle's mapping and JSON serialisation. Sequential requests cost more",
    "CPU each than the same requests under load (workerd batches I/O wake-ups when busy).",
    "",
    components,
    "",
    table(["Request", "sequential p50 wall ms", `total, ${unit}`, `ceiling, ${unit}`, `components, ${unit}`, `rest, ${unit}`], rows),
    "",
    "Shares of each request's time:",
    "",
    ...Object.entries(BREAKDOWN).map(
      ([key, ops]) =>
        `- **${key}** (${ms(sequential[key][basis])} ${unit}): ${shares(ops, costs, sequential[key][basis], sequential.ceiling[basis], basis)}`,
    ),
  ].join("\n");
}

// What a route must do however it is written: DRF's anonymous throttle counts every request in its
// Durable Object, and the data lives in D1 (the task list also needs the user and session state).
const FLOORS = [
  ["GET /api/books/ (anonymous)", "≥ 0.5", "limiter hop + one D1 round trip", ["do-hit", "d1-ping"]],
  ["GET /api/tasks/", "≥ 0.35", "limiter hop + user/session lookup and task query in one D1 batch", ["do-hit", "d1-auth-tasks-batch"]],
];

function targetsSection(profile, load) {
  const { costs } = profile;
  // Under load (the throughput table) a request costs far less than one sent alone, so the floor is
  // the loaded ceiling plus the calls' own cost, each timed in a loop inside one request.
  const ceiling = ceilingOf(load).cpu;
  if (ceiling === null) return "(workerd's CPU time could not be read on this machine.)";
  const rows = FLOORS.map(([route, target, calls, ops]) => {
    const floor = ceiling + ops.reduce((sum, op) => sum + costs[op].cpu, 0);
    return [route, target, calls, ms(floor), (ceiling / floor).toFixed(2)];
  });
  return [
    "The best ratio a route could reach on this machine if it did nothing but the ceiling's work (under",
    "load) and the storage calls it cannot avoid (each timed on its own, above). Both targets lie above",
    "it: Miniflare's local D1 (a separate isolate, JSON both ways) and the limiter's Durable Object each",
    "cost more CPU per call than a whole ceiling request. Only serving without D1 (stale reads) or",
    "without counting each request in its object (inexact throttles) would get closer — both would break",
    "promises the API makes. In production these calls are network round trips rather than Worker CPU,",
    "so the figure that carries over is the number of sequential round trips: a read runs alongside its",
    "throttle check, so the anonymous book list waits for 1 (limiter ∥ D1), the task list for 2",
    "(authentication's D1 lookup, then limiter ∥ D1).",
    "",
    table(["Route", "target", "calls it cannot avoid", "floor, workerd CPU ms", "best possible × ceiling"], rows),
  ].join("\n");
}

function cpuProfileSection(profiles) {
  const keys = Object.keys(profiles);
  const share = (key, name) => profiles[key].find((m) => m.name === name)?.percent ?? 0;
  const names = [...new Set(keys.flatMap((key) => profiles[key].map((m) => m.name)))]
    .filter((name) => keys.some((key) => share(key, name) >= 1))
    .sort((a, b) => share(keys[0], b) - share(keys[0], a));
  return [
    "A V8 CPU profile of the app's isolate (the Worker and its RateLimiter objects) during a 32-connection",
    "load, through workerd's inspector: the share of its busy samples spent in each source module of the",
    "bundle. The D1, KV and R2 simulators run in isolates of their own and are not in it.",
    "",
    table(
      ["Module", ...keys.map((key) => `${key} %`)],
      names.map((name) => [name, ...keys.map((key) => share(key, name).toFixed(1))]),
    ),
  ].join("\n");
}

export function markdown(results, meta) {
  const sections = [
    "# Benchmarks",
    "",
    `Generated by \`npm run bench\` on ${meta.date}. Machine: ${meta.machine}; Node ${meta.node}.`,
    meta.remote
      ? `Target: ${meta.remote} (a deployed Worker; its own throttle rates apply).`
      : [
          "Server: the real Worker, bundled by wrangler from `scripts/bench/worker/entry.ts` (the app's default export",
          "plus bench-only routes), served by workerd through Miniflare's API with wrangler.toml's bindings (D1, KV, R2,",
          "the RateLimiter Durable Object), all local. Not `wrangler dev`: its Node proxy caps throughput near 1.2k req/s.",
          `Storage under ${meta.storage}${meta.storage === "/dev/shm" ? " (tmpfs)" : ""}: local D1 creates and deletes a rollback journal and`,
          "fsyncs on every query, which on this VM's disk doubles a D1 round trip — the disk, not workerd or D1.",
          "Throttle rates raised to 1,000,000/sec for the load rows (a one-second sliding window keeps the limiter's",
          "log as short as real rates keep it); the exactness rows use wrangler.toml's real rates.",
        ].join("\n"),
    `Load: autocannon${meta.remote ? "" : " on the same machine"}, ${meta.connections} connections, ${meta.duration} s per scenario.`,
    "The machine is shared, so absolute figures drift between runs: compare the ratios to the ceiling,",
    "which is measured in the same run (mean of a measurement at the start and one at the end).",
    "",
    "## Throughput",
    "",
    loadTable(results.load),
  ];
  if (results.exactness) sections.push("", "## Exactness of the 5/day quota", "", exactnessSection(results.exactness));
  if (results.scaling) {
    const query = [{ key: "query", title: "the D1 query alone, ms" }];
    sections.push("", "## Scaling: one user's 10 tasks as the table grows", "", latencyRows(results.scaling, query));
  }
  if (results.throttling) {
    sections.push("", "## Cost of throttling", "", latencyRows(results.throttling));
  }
  if (results.profile) {
    sections.push("", "## Where each request's time goes", "", breakdownSection(results.profile));
    sections.push("", "### Why the targets are out of reach here", "", targetsSection(results.profile, results.load));
  }
  if (results.cpuProfile) sections.push("", "### CPU profile by module", "", cpuProfileSection(results.cpuProfile));
  sections.push("", meta.howTo);
  return `${sections.join("\n")}\n`;
}
