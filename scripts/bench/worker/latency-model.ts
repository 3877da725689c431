// Production's geography on local bindings: one D1 primary far from the client, read replicas,
// the Durable Object, KV and R2 near it. Each binding call waits a modelled round trip (io-log.ts).
import { DESTINATIONS, type Destination, roundTrip } from "./io-log";

/** Modelled round trip per destination, ms. */
export type LatencyModel = Record<Destination, number>;

/** "primary=150,replica=10,do=10,kv=2,r2=2", every destination named: the load client sends the whole model. */
export function parseModel(text: string): LatencyModel {
  const entries = text.split(",").map((pair) => pair.split("=").map((s) => s.trim()));
  const model = Object.fromEntries(entries.map(([to, ms]) => [to, Number(ms)]));
  const valid = (to: Destination) => Number.isFinite(model[to]) && model[to]! >= 0;
  if (entries.length !== DESTINATIONS.length || !DESTINATIONS.every(valid)) {
    throw new Error(`x-bench-model: expected ${DESTINATIONS.map((to) => `${to}=<ms>`).join(",")}, got "${text}"`);
  }
  return model as LatencyModel;
}

// Production's rule: writes always go to the primary. Drizzle writes start with their verb; a
// statement opened by a CTE writes if one of these follows it.
const WRITE = /^(insert|update|delete|replace)\b/i;
const WRITE_AFTER_CTE =
  /\b(insert\s+(or\s+\w+\s+)?into|replace\s+into|update\s+(or\s+\w+\s+)?\S+\s+set|delete\s+from)\b/i;
const writes = (sql: string) => {
  const text = sql.trimStart();
  return /^with\b/i.test(text) ? WRITE_AFTER_CTE.test(text) : WRITE.test(text);
};

/** Where a statement's reads go: the primary (env.DB itself, a first-primary session) or a replica. */
type Reads = "primary" | "replica";

const statements = new WeakMap<object, { native: D1PreparedStatement; sql: string }>();

function statement(native: D1PreparedStatement, sql: string, reads: Reads, model: LatencyModel): D1PreparedStatement {
  const to = writes(sql) ? "primary" : reads;
  const trip = <T>(work: () => Promise<T>) => roundTrip(to, model[to], work);
  const modelled = {
    bind: (...values: unknown[]) => statement(native.bind(...values), sql, reads, model),
    first: (column?: string) => trip(() => (column === undefined ? native.first() : native.first(column))),
    run: () => trip(() => native.run()),
    all: () => trip(() => native.all()),
    raw: (options?: { columnNames?: false }) => trip(() => native.raw(options)),
  };
  statements.set(modelled, { native, sql });
  return modelled as unknown as D1PreparedStatement;
}

/** One batch is one round trip: to the primary if its reads go there or any statement writes. */
function batch(target: D1Database | D1DatabaseSession, reads: Reads, model: LatencyModel) {
  return (list: D1PreparedStatement[]) => {
    const known = list.map((s) => statements.get(s));
    const primary = reads === "primary" || known.some((s) => s === undefined || writes(s.sql));
    const to = primary ? "primary" : "replica";
    return roundTrip(to, model[to], () => target.batch(list.map((s, i) => known[i]?.native ?? s)));
  };
}

function session(native: D1DatabaseSession, reads: Reads, model: LatencyModel): D1DatabaseSession {
  const modelled = {
    prepare: (sql: string) => statement(native.prepare(sql), sql, reads, model),
    batch: batch(native, reads, model),
    getBookmark: () => native.getBookmark(),
  };
  return modelled as unknown as D1DatabaseSession;
}

// Without the Sessions API every query goes to the primary; a session's reads go to a replica unless
// it is "first-primary" (the model keeps the whole session there, not just its first query).
function database(native: D1Database, model: LatencyModel): D1Database {
  const modelled = {
    prepare: (sql: string) => statement(native.prepare(sql), sql, "primary", model),
    batch: batch(native, "primary", model),
    exec: (sql: string) => roundTrip("primary", model.primary, () => native.exec(sql)),
    dump: () => roundTrip("primary", model.primary, () => native.dump()),
    withSession: (constraintOrBookmark?: string) =>
      session(
        native.withSession(constraintOrBookmark),
        constraintOrBookmark === "first-primary" ? "primary" : "replica",
        model,
      ),
  };
  return modelled as unknown as D1Database;
}

type Method = (...args: unknown[]) => unknown;

// Reflect.apply, never method.apply or .bind: on a Durable Object stub those would be RPC calls of
// methods named "apply" and "bind".
const callOn =
  (target: object, method: Method) =>
  (...args: unknown[]) =>
    Reflect.apply(method, target, args);

/** A binding whose `isCall` methods each wait one round trip to `to`; everything else passes through. */
function calls<T extends object>(binding: T, to: Destination, ms: number, isCall: (name: string) => boolean): T {
  return new Proxy(binding, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name);
      if (typeof value !== "function") return value;
      const call = callOn(target, value as Method);
      if (typeof name !== "string" || !isCall(name)) return call;
      return (...args: unknown[]) => roundTrip(to, ms, async () => call(...args));
    },
  });
}

const KV_CALLS = new Set(["get", "getWithMetadata", "put", "delete", "list"]);
const R2_CALLS = new Set(["head", "get", "put", "delete", "list", "createMultipartUpload"]);

/** The namespace hands out stubs whose every method (hit, forget, fetch, …) is a round trip to the object. */
function durableObjects<N extends object>(native: N, ms: number): N {
  return new Proxy(native, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name);
      if (typeof value !== "function") return value;
      const call = callOn(target, value as Method);
      if (name !== "get" && name !== "getByName") return call;
      // "then" stays the stub's own: a stub with a callable "then" would be awaited as a promise.
      return (...args: unknown[]) => calls(call(...args) as object, "do", ms, (n) => n !== "then");
    },
  });
}

/** The bindings a request sees under the model. R2 calls cost what the model gives `r2` (KV's figure unless set). */
export const modelledBindings = (env: Env, model: LatencyModel) => ({
  DB: database(env.DB, model),
  RATE_LIMITER: durableObjects(env.RATE_LIMITER, model.do),
  BLACKLIST: calls(env.BLACKLIST, "kv", model.kv, (name) => KV_CALLS.has(name)),
  AVATARS: calls(env.AVATARS, "r2", model.r2, (name) => R2_CALLS.has(name)),
});
