// Each modelled binding call of a request, logged against that request, and what the load client
// reads from the log: how many sequential round trips the request waited for, and where to.
import { AsyncLocalStorage } from "node:async_hooks";

/** Where a binding call goes under the latency model. */
export type Destination = "primary" | "replica" | "do" | "kv" | "r2";
export const DESTINATIONS: readonly Destination[] = ["primary", "replica", "do", "kv", "r2"];

type Call = { to: Destination; ms: number; start: number; end: number | null };

// Prepared statements and stubs outlive the request that made them (the app prepares its hot
// queries once per isolate), so a call finds its request at call time, not through the object.
const requestCalls = new AsyncLocalStorage<Call[]>();

/**
 * `work` as one round trip of `ms` to `to`: half the time before the call reaches its target, half
 * after it answers, so a write lands mid-way as at a distant database. Timers, not a busy loop: the
 * wait costs no CPU, so the CPU figures stay comparable.
 */
export async function roundTrip<T>(to: Destination, ms: number, work: () => Promise<T>): Promise<T> {
  const call: Call = { to, ms, start: Date.now(), end: null };
  requestCalls.getStore()?.push(call);
  try {
    await scheduler.wait(ms / 2);
    return await work();
  } finally {
    await scheduler.wait(ms / 2);
    call.end = Date.now();
  }
}

export type IoRounds = {
  /** Groups of calls that overlapped in time: the request waited for each group in turn. */
  rounds: number;
  /** Rounds with a call to the D1 primary in them. */
  primary: number;
  /** Rounds with a call to a D1 replica and none to the primary. */
  replica: number;
  /** The modelled time spent waiting: each round lasts as long as its slowest call. */
  waitMs: number;
  /** The calls the response waited for, by destination. */
  calls: Tally;
  /** Calls still under way when the response left (waitUntil work): they delay no one. */
  after: Tally;
};

type Tally = Partial<Record<Destination, number>>;
const count = (tally: Tally, to: Destination) => {
  tally[to] = (tally[to] ?? 0) + 1;
};
/** "primary=2,do=1" */
const tallyText = (tally: Tally) => DESTINATIONS.flatMap((to) => (tally[to] ? [`${to}=${tally[to]}`] : [])).join(",");

/**
 * workerd's clock stands still while code runs and moves only between I/O events, so a call made
 * after another answered starts exactly at or after its end, and calls made together start at the
 * same instant: "overlaps" needs no tolerance.
 */
export function ioRounds(calls: readonly Call[]): IoRounds {
  const summary: IoRounds = { rounds: 0, primary: 0, replica: 0, waitMs: 0, calls: {}, after: {} };
  for (const call of calls) count(call.end === null ? summary.after : summary.calls, call.to);
  // A destination modelled at 0 ms makes no round trip.
  const waited = calls
    .filter((c): c is Call & { end: number } => c.end !== null && c.ms > 0)
    .sort((a, b) => a.start - b.start);
  let round: { end: number; slowest: number; to: Set<Destination> } | null = null;
  const close = () => {
    if (!round) return;
    summary.rounds++;
    summary.waitMs += round.slowest;
    if (round.to.has("primary")) summary.primary++;
    else if (round.to.has("replica")) summary.replica++;
  };
  for (const call of waited) {
    if (round && call.start < round.end) {
      round.end = Math.max(round.end, call.end);
      round.slowest = Math.max(round.slowest, call.ms);
      round.to.add(call.to);
    } else {
      close();
      round = { end: call.end, slowest: call.ms, to: new Set([call.to]) };
    }
  }
  close();
  return summary;
}

/** Response headers of a modelled request (bench only); the load client sums them per scenario. */
function ioHeaders(headers: Headers, io: IoRounds) {
  headers.set("x-bench-rounds", String(io.rounds));
  headers.set("x-bench-primary-trips", String(io.primary));
  headers.set("x-bench-replica-trips", String(io.replica));
  headers.set("x-bench-wait-ms", String(io.waitMs));
  headers.set("x-bench-calls", tallyText(io.calls));
  headers.set("x-bench-calls-after", tallyText(io.after));
}

/** Runs one request with its binding calls logged, and reports them on its response. */
export async function withIoLog(handle: () => Response | Promise<Response>): Promise<Response> {
  const calls: Call[] = [];
  const response = await requestCalls.run(calls, handle);
  const reported = new Response(response.body, response);
  ioHeaders(reported.headers, ioRounds(calls));
  return reported;
}
