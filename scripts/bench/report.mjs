// Turns one run's figures into the console summary and BENCHMARKS.md.
import { int, ms, ratio, table } from "./format.ts";
import { formatModel } from "./latency-model.mjs";
import { profileSections } from "./profile/report.mjs";
import {
  ceilingOf,
  EXACTNESS_ATTEMPTS,
  EXACTNESS_QUOTA,
  edgeTargetsSection,
  exactnessMet,
  THROUGHPUT_TARGETS,
  throughputVerdict,
} from "./targets.ts";

export function loadTable(load) {
  const ceiling = ceilingOf(load);
  const withCpu = ceiling.cpu !== null;
  const header = ["Scenario", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors", "× ceiling", "target"];
  if (withCpu) header.splice(6, 0, "workerd CPU ms/req", "× ceiling by CPU");
  return table(
    header,
    load.map((row) => {
      const judged = throughputVerdict(row, load);
      const verdict = judged ? `≥ ${THROUGHPUT_TARGETS[row.key]}: ${judged.met ? "met" : "**not met**"}` : "";
      const cells = [row.title, int(row.rps), ms(row.p50), ms(row.p99), int(row.non2xx), int(row.errors)];
      if (withCpu) cells.push(ms(row.cpu), ratio(ceiling.cpu / row.cpu));
      return [...cells, ratio(row.rps / ceiling.rps), verdict];
    }),
  );
}

/** "2" when every response agreed, "2 (1–3)" when they differed. */
const figure = (f) => (f ? `${f.median}${f.min === f.max ? "" : ` (${f.min}–${f.max})`}` : "–");

export function printSummary(results) {
  console.log(`\n${loadTable(results.load)}\n`);
  for (const row of results.latencyModel?.rows ?? []) {
    const { io, modelled } = row;
    console.log(
      `${row.title}, modelled: p50 ${ms(modelled.p50)} ms, ${figure(io.primary)} primary + ${figure(io.replica)} replica ` +
        `of ${figure(io.rounds)} rounds, × single-region ${ratio(modelled.p50 / row.singleRegion)}`,
    );
  }
  for (const row of [...(results.throttling ?? []), ...(results.scaling ?? [])]) {
    const cpu = row.cpu === null ? "" : `, workerd CPU ${ms(row.cpu)} ms/req`;
    console.log(`${row.title}: ${int(row.rps)} req/s, p50 ${ms(row.p50)} ms, p99 ${ms(row.p99)} ms${cpu}`);
  }
  for (const [i, round] of (results.exactness ?? []).entries()) {
    console.log(
      `Exactness round ${i + 1}: ${round.admitted}/${EXACTNESS_ATTEMPTS} admitted (quota ${EXACTNESS_QUOTA})`,
    );
  }
}

function latencyRows(rows, extra = []) {
  return table(
    ["Request", "p50 ms", "p99 ms", "req/s", "non-2xx", "workerd CPU ms/req", ...extra.map((e) => e.title)],
    rows.map((r) => [
      r.title,
      ms(r.p50),
      ms(r.p99),
      int(r.rps),
      int(r.non2xx),
      ms(r.cpu),
      ...extra.map((e) => ms(r[e.key])),
    ]),
  );
}

const CALL_NAMES = { primary: "primary", replica: "replica", do: "DO", kv: "KV", r2: "R2" };
/** "primary=2,do=1" → "2 primary, 1 DO". */
const callList = (text) =>
  text
    .split(",")
    .filter(Boolean)
    .map((pair) => pair.split("="))
    .map(([to, n]) => `${n} ${CALL_NAMES[to] ?? to}`)
    .join(", ");

function latencyModelSection({ model, connections, duration, rows }) {
  const single = `single-region ms (${model.primary} + p50 alone)`;
  const modelRows = [
    [
      "D1 primary",
      model.primary,
      "every query on `env.DB` itself (without the Sessions API every query goes to the primary), every call on a " +
        "`first-primary` session, every write (INSERT, UPDATE, DELETE, REPLACE — alone or in a batch)",
    ],
    ["D1 replica", model.replica, "any other call on a session (`first-unconstrained` or a bookmark)"],
    ["Durable Object", model.do, "each call on a RateLimiter stub (`hit`, `forget`)"],
    ["KV", model.kv, "each BLACKLIST get, getWithMetadata, put, delete or list"],
    [
      "R2",
      model.r2,
      `each AVATARS head, get, put, delete or list${model.r2 === model.kv ? " (KV's figure: R2 is as near as KV)" : ""}`,
    ],
  ];
  const results = rows.map(({ title, modelled, io, alone, singleRegion }) => {
    const after = io.calls.after ? ` (+ ${callList(io.calls.after)} after the response)` : "";
    return [
      title,
      ms(modelled.p50),
      ms(modelled.p99),
      int(modelled.non2xx),
      figure(io.primary),
      figure(io.replica),
      figure(io.rounds),
      figure(io.waitMs),
      `${callList(io.calls.during) || "none"}${after}`,
      `${ms(singleRegion)} (${model.primary} + ${ms(alone.p50)})`,
      ratio(modelled.p50 / singleRegion),
    ];
  });
  return [
    "Local D1 has no replicas and no distance. For these rows the bench Worker gives every binding call the",
    "round trip it would have in production, for a client far from the single D1 primary and near a read",
    `replica, its Durable Object and KV (\`--model ${formatModel(model)}\`):`,
    "",
    table(["Destination", "round trip, ms", "which calls"], modelRows),
    "",
    "A prepared statement's `all`, `raw`, `first` or `run` is one round trip; a batch is one. A call waits half",
    "its round trip before it reaches the local binding and half after it answers, on a timer (no CPU).",
    "No replication lag is modelled. The Worker logs each call's start and end per request: calls that",
    "overlap in time form one _round_ of I/O, which lasts as long as its slowest call. A round with a call",
    "to the primary counts as a _primary_ round trip; one with a replica call and none to the primary, as a",
    "_replica_ round trip; the other rounds wait only for the Durable Object, KV or R2. _Modelled wait_ sums",
    "the rounds' lengths. Calls still under way when the response leaves (`waitUntil` work) delay no one",
    "and are not counted. Figures are medians over every response of the run, with the range when",
    "responses differed; the calls are those of the most common response.",
    "",
    `_Single-region_: a server in the primary's region, which the client reaches with the same ${model.primary} ms`,
    "round trip, answering in our own time for the same request without the model (p50, one connection,",
    "same server). _× single-region_ is our modelled p50 over that figure: below 1, we answer sooner.",
    `Load: ${connections} connections, ${duration} s per scenario, throttle rates raised as for the throughput`,
    "table (the refused row keeps its one-a-day rate). The modelled p50 also holds this machine's queueing;",
    "the round trips do not depend on the machine.",
    "",
    table(
      [
        ...["Request", "p50 ms", "p99 ms", "non-2xx", "primary round trips", "replica round trips", "rounds of I/O"],
        ...["modelled wait ms", "calls per request", single, "× single-region"],
      ],
      results,
    ),
  ].join("\n");
}

function exactnessSection(rounds) {
  const ok = exactnessMet(rounds);
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

function header(meta) {
  return [
    "# Benchmarks",
    "",
    `Generated by \`npm run bench${meta.profile ? " -- --profile" : ""}\` on ${meta.date}. Machine: ${meta.machine}; Node ${meta.node}.`,
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
  ];
}

export function markdown(results, meta) {
  const sections = [...header(meta), "", "## Throughput", "", loadTable(results.load)];
  if (!results.profile && !meta.remote) {
    sections.push(
      "",
      "Where each request's time goes, and why the targets are out of reach locally: `npm run bench -- --profile`.",
    );
  }
  if (results.latencyModel) {
    sections.push("", "## Round trips under a production latency model", "", latencyModelSection(results.latencyModel));
  }
  if (results.exactness) sections.push("", "## Exactness of the 5/day quota", "", exactnessSection(results.exactness));
  if (results.scaling) {
    const query = results.scaling.some((row) => row.query !== undefined)
      ? [{ key: "query", title: "the D1 query alone, ms" }]
      : [];
    sections.push("", "## Scaling: one user's 10 tasks as the table grows", "", latencyRows(results.scaling, query));
  }
  if (results.throttling) sections.push("", "## Cost of throttling", "", latencyRows(results.throttling));
  if (results.latencyModel && results.throttling) {
    sections.push("", "## Targets of the edge data path", "", edgeTargetsSection(results));
  }
  if (results.profile) sections.push("", ...profileSections(results, meta.connections));
  sections.push("", meta.howTo);
  return `${sections.join("\n")}\n`;
}
