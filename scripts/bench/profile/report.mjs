// The sections `--profile` adds to BENCHMARKS.md: where each request's time goes, why the targets
// are out of reach locally, and the CPU profile by module.
import { ms, table } from "../format.ts";
import { ceilingOf } from "../targets.ts";
import { BREAKDOWN, COMPONENTS } from "./components.mjs";

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

function breakdownSection({ costs, sequential }) {
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
    "it 0 times is subtracted), then whole requests sent one at a time. _Rest_ is what neither the ceiling",
    "route (HTTP, workerd, a bare Hono route) nor the listed components explain: the app's middleware,",
    "routing, zod validation, Drizzle's mapping and JSON serialisation. Sequential requests cost more",
    "CPU each than the same requests under load (workerd batches I/O wake-ups when busy). The D1",
    "components run copies of the app's queries (`scripts/bench/worker/profile/app-query-copies.ts`).",
    "",
    components,
    "",
    table(
      [
        "Request",
        "sequential p50 wall ms",
        `total, ${unit}`,
        `ceiling, ${unit}`,
        `components, ${unit}`,
        `rest, ${unit}`,
      ],
      rows,
    ),
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
  [
    "GET /api/tasks/",
    "≥ 0.35",
    "limiter hop + user/session lookup and task query in one D1 batch",
    ["do-hit", "d1-auth-tasks-batch"],
  ],
];

function targetsSection({ costs }, load) {
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
    "so the figure that carries over is the number of sequential round trips, which the latency model counts.",
    "",
    table(["Route", "target", "calls it cannot avoid", "floor, workerd CPU ms", "best possible × ceiling"], rows),
  ].join("\n");
}

function cpuProfileSection(profiles, connections) {
  const keys = Object.keys(profiles);
  const share = (key, name) => profiles[key].find((m) => m.name === name)?.percent ?? 0;
  const names = [...new Set(keys.flatMap((key) => profiles[key].map((m) => m.name)))]
    .filter((name) => keys.some((key) => share(key, name) >= 1))
    .sort((a, b) => share(keys[0], b) - share(keys[0], a));
  return [
    `A V8 CPU profile of the app's isolate (the Worker and its RateLimiter objects) during a ${connections}-connection`,
    "load, through workerd's inspector: the share of its busy samples spent in each source module of the",
    "bundle. The D1, KV and R2 simulators run in isolates of their own and are not in it.",
    "",
    table(
      ["Module", ...keys.map((key) => `${key} %`)],
      names.map((name) => [name, ...keys.map((key) => share(key, name).toFixed(1))]),
    ),
  ].join("\n");
}

/** The --profile sections, as lines of BENCHMARKS.md. */
export function profileSections(results, connections) {
  return [
    "## Where each request's time goes",
    "",
    breakdownSection(results.profile),
    "",
    "### Why the targets are out of reach here",
    "",
    targetsSection(results.profile, results.load),
    "",
    "### CPU profile by module",
    "",
    cpuProfileSection(results.cpuProfile, connections),
  ];
}
