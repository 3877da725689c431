import { env } from "cloudflare:workers";

/** One round trip to D1: a statement run on its own, or a batch of them. */
export type D1Call = { kind: "all" | "raw" | "first" | "run" | "batch"; sql: string[] };
/** One session the Worker opened, with what it was started from and the round trips made on it. */
export type RecordedSession = { start: string | undefined; calls: D1Call[] };

type Recorded = { sql: string; values: unknown[] };
const RECORDED = Symbol("recorded statement");

/** Decides whether a round trip fails, given its SQL: the error D1 would throw, or null to run it. */
export type Fault = (sql: string[]) => Error | null;

// D1 sends a session's writes to the primary, whatever the session started from.
const WRITES = /^\s*(insert|update|delete|replace)\b/i;

/**
 * The real D1 binding, with a record of every session the Worker opens (`withSession(start)`) and of
 * every round trip made on it: which constraint or bookmark each query ran under, and how many calls
 * a request made. Queries made on the binding itself, without a session, are recorded under "none".
 * With a `fault`, the round trips it picks fail instead of running, as an unavailable D1's would.
 */
export function recordingD1({
  d1 = env.DB,
  replica,
  fault = () => null,
  beforeCall = () => {},
}: {
  d1?: D1Database;
  /**
   * Where sessions that may read a replica read from: one behind the primary (LAGGING_REPLICA). Their
   * writes (a round trip with a statement that writes) go to the primary, as D1 sends them.
   */
  replica?: D1Database;
  fault?: Fault;
  /** Runs (and is awaited) before a round trip is sent: to change the database under a request. */
  beforeCall?: (sql: string[]) => unknown;
} = {}) {
  const sessions: RecordedSession[] = [];

  const statement = (sql: string, values: unknown[], session: RecordedSession, on: Sources): D1PreparedStatement => {
    const run =
      (kind: D1Call["kind"]) =>
      async (...args: unknown[]) => {
        session.calls.push({ kind, sql: [sql] });
        await beforeCall([sql]);
        const error = fault([sql]);
        if (error) throw error;
        const real = prepared(on.of([sql]), { sql, values });
        return (real[kind as "all"] as (...a: unknown[]) => unknown).apply(real, args);
      };
    return {
      [RECORDED]: { sql, values } satisfies Recorded,
      bind: (...more: unknown[]) => statement(sql, [...values, ...more], session, on),
      all: run("all"),
      raw: run("raw"),
      first: run("first"),
      run: run("run"),
    } as unknown as D1PreparedStatement;
  };
  const unwrap = (s: D1PreparedStatement) => (s as unknown as { [RECORDED]: Recorded })[RECORDED];
  const prepared = (source: D1Database | D1DatabaseSession, { sql, values }: Recorded) => {
    const real = source.prepare(sql);
    return values.length > 0 ? real.bind(...values) : real;
  };

  /** Where a round trip goes: reads to the session's source, writes to the primary. */
  type Sources = { of: (sql: string[]) => D1Database | D1DatabaseSession };

  const session = (on: Sources, recorded: RecordedSession) => ({
    prepare: (sql: string) => statement(sql, [], recorded, on),
    batch: async (statements: D1PreparedStatement[]) => {
      const recordedStatements = statements.map(unwrap);
      const sql = recordedStatements.map((s) => s.sql);
      recorded.calls.push({ kind: "batch", sql });
      await beforeCall(sql);
      const error = fault(sql);
      if (error) throw error;
      const source = on.of(sql);
      return source.batch(recordedStatements.map((s) => prepared(source, s)));
    },
    getBookmark: () => {
      const source = on.of([]);
      return "getBookmark" in source ? source.getBookmark() : null;
    },
  });

  const unsessioned: RecordedSession = { start: "none", calls: [] };
  const binding = {
    ...session({ of: () => d1 }, unsessioned),
    withSession: (start?: string) => {
      const recorded: RecordedSession = { start, calls: [] };
      sessions.push(recorded);
      const reads = (replica && start !== "first-primary" ? replica : d1).withSession(start);
      let primary: D1DatabaseSession | undefined;
      const of = (sql: string[]) =>
        sql.some((s) => WRITES.test(s)) && replica ? (primary ??= d1.withSession("first-primary")) : reads;
      return session({ of }, recorded);
    },
  } as unknown as D1Database;

  return {
    binding,
    sessions,
    /** Every round trip made, on any session or none. */
    calls: () => [...unsessioned.calls, ...sessions.flatMap((s) => s.calls)],
    clear: () => {
      sessions.length = 0;
      unsessioned.calls.length = 0;
    },
  };
}
