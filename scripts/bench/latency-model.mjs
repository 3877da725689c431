// The latency model: requests carrying `x-bench-model` make every binding call wait the round trip
// it would have in production (worker/latency-model.ts), and come back with how many sequential
// round trips they waited for (worker/io-log.ts). Here: the --model option, the modelled runs and
// their tally.
import { runLoad } from "./load.mjs";

export const MODEL_HEADER = "x-bench-model";
const DESTINATIONS = ["primary", "replica", "do", "kv", "r2"];
/** A client far from the D1 primary, near a read replica, its Durable Object and KV. R2 costs KV's figure unless set. */
export const DEFAULT_MODEL = { primary: 150, replica: 10, do: 10, kv: 2 };
/** Moderate concurrency: enough to overlap requests, too little to queue much on a small machine. */
export const MODEL_CONNECTIONS = 8;

/** The scenarios the model is run for: keys of loadScenarios and throttleScenarios. */
export const MODELLED = [
  "books-anon",
  "tasks-many",
  "token-obtain",
  "token-refresh",
  "mfa-verify",
  "books-create",
  "throttle-refused",
];

/** `--model primary=80,replica=5,do=8,kv=2,r2=3`: the destinations named replace the defaults. */
export function parseModel(text = "") {
  const model = { ...DEFAULT_MODEL };
  for (const pair of text.split(",").filter((p) => p.trim() !== "")) {
    const [name, value, ...rest] = pair.split("=").map((s) => s.trim());
    const ms = Number(value);
    if (!DESTINATIONS.includes(name) || !value || rest.length > 0 || !Number.isFinite(ms) || ms < 0) {
      throw new Error(`--model: "${pair}" is not <destination>=<ms>, destination one of ${DESTINATIONS.join(", ")}`);
    }
    model[name] = ms;
  }
  model.r2 ??= model.kv;
  return model;
}

export const formatModel = (model) => DESTINATIONS.map((to) => `${to}=${model[to]}`).join(",");

const IO_FIGURES = {
  rounds: "x-bench-rounds",
  primary: "x-bench-primary-trips",
  replica: "x-bench-replica-trips",
  waitMs: "x-bench-wait-ms",
};

const median = (sorted) => sorted[Math.floor(sorted.length / 2)];

/** Every modelled response's figures, reduced to a median and a range per figure. */
function ioTally() {
  const seen = Object.fromEntries(Object.keys(IO_FIGURES).map((key) => [key, []]));
  const calls = new Map();
  return {
    record(headers) {
      const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
      if (lower["x-bench-rounds"] === undefined) return;
      for (const [key, name] of Object.entries(IO_FIGURES)) seen[key].push(Number(lower[name]));
      const pattern = `${lower["x-bench-calls"] ?? ""}|${lower["x-bench-calls-after"] ?? ""}`;
      calls.set(pattern, (calls.get(pattern) ?? 0) + 1);
    },
    summary() {
      const figures = Object.entries(seen).map(([key, values]) => {
        const sorted = [...values].sort((a, b) => a - b);
        return [key, sorted.length ? { median: median(sorted), min: sorted[0], max: sorted.at(-1) } : null];
      });
      const [common] = [...calls].sort((a, b) => b[1] - a[1]);
      const [during, after] = common ? common[0].split("|") : ["", ""];
      return { responses: seen.rounds.length, ...Object.fromEntries(figures), calls: { during, after } };
    },
  };
}

/** The scenario with the model's header on every request, and each response's figures tallied. */
function withModel(spec, model, tally) {
  const header = { [MODEL_HEADER]: formatModel(model) };
  return {
    ...spec,
    requests: (spec.requests ?? [{}]).map((builder) => ({
      ...builder,
      setupRequest(request, context) {
        const built = builder.setupRequest ? builder.setupRequest(request, context) : request;
        return { ...built, headers: { ...built.headers, ...header } };
      },
      onResponse(status, body, context, headers) {
        builder.onResponse?.(status, body, context, headers);
        tally.record(headers ?? {});
      },
    })),
  };
}

/**
 * Each scenario twice: alone without the model (one connection: the processing time a server next
 * to the database would add to the client's round trip), then under the model with
 * MODEL_CONNECTIONS connections. The scenarios' specs must survive both runs (a refresh chain needs
 * at least MODEL_CONNECTIONS tokens).
 */
export async function measureLatencyModel(base, scenarios, { model, duration, singleDuration, log }) {
  const rows = [];
  for (const { key, title, spec } of scenarios) {
    const alone = await runLoad(base, { ...spec, connections: 1, duration: singleDuration });
    const tally = ioTally();
    const modelled = await runLoad(base, {
      ...withModel(spec, model, tally),
      connections: MODEL_CONNECTIONS,
      duration,
    });
    const io = tally.summary();
    const singleRegion = model.primary + alone.p50;
    rows.push({ key, title, alone, modelled, io, singleRegion });
    const trips = `primary ${io.primary?.median}, replica ${io.replica?.median}`;
    log(`${title}, modelled: p50 ${modelled.p50} ms; rounds of I/O ${io.rounds?.median} (${trips})`);
  }
  return { model, connections: MODEL_CONNECTIONS, duration, rows };
}
