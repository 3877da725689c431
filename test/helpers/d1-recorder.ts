import { env } from "cloudflare:workers";

/** One round trip to D1: a statement run on its own, or a batch of them. */
export type D1Call = { kind: "all" | "raw" | "first" | "run" | "batch"; sql: string[] };
/** One session the Worker opened, with what it was started from and the round trips made on it. */
export type RecordedSession = { start: string | undefined; calls: D1Call[] };

type Recorded = { statement: D1PreparedStatement; sql: string };
const RECORDED = Symbol("recorded statement");

/** Decides whether a round trip fails, given its SQL: the error D1 would throw, or null to run it. */
export type Fault = (sql: string[]) => Error | null;

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
  /** Where sessions that may read a replica are served from: one behind the primary (LAGGING_REPLICA). */
  replica?: D1Database;
  fault?: Fault;
  /** Runs (and is awaited) before a round trip is sent: to change the database under a request. */
  beforeCall?: (sql: string[]) => unknown;
} = {}) {
  const sessions: RecordedSession[] = [];

  const statement = (real: D1PreparedStatement, sql: string, session: RecordedSession): D1PreparedStatement => {
    const run =
      (kind: D1Call["kind"]) =>
      async (...args: unknown[]) => {
        session.calls.push({ kind, sql: [sql] });
        await beforeCall([sql]);
        const error = fault([sql]);
        if (error) throw error;
        return (real[kind as "all"] as (...a: unknown[]) => unknown).apply(real, args);
      };
    return {
      [RECORDED]: { statement: real, sql } satisfies Recorded,
      bind: (...values: unknown[]) => statement(real.bind(...values), sql, session),
      all: run("all"),
      raw: run("raw"),
      first: run("first"),
      run: run("run"),
    } as unknown as D1PreparedStatement;
  };
  const unwrap = (s: D1PreparedStatement) => (s as unknown as { [RECORDED]: Recorded })[RECORDED];

  const session = (real: D1Database | D1DatabaseSession, recorded: RecordedSession) => ({
    prepare: (sql: string) => statement(real.prepare(sql), sql, recorded),
    batch: async (statements: D1PreparedStatement[]) => {
      const sql = statements.map((s) => unwrap(s).sql);
      recorded.calls.push({ kind: "batch", sql });
      await beforeCall(sql);
      const error = fault(sql);
      if (error) throw error;
      return real.batch(statements.map((s) => unwrap(s).statement));
    },
    getBookmark: () => ("getBookmark" in real ? real.getBookmark() : null),
  });

  const unsessioned: RecordedSession = { start: "none", calls: [] };
  const binding = {
    ...session(d1, unsessioned),
    withSession: (start?: string) => {
      const recorded: RecordedSession = { start, calls: [] };
      sessions.push(recorded);
      const source = replica && start !== "first-primary" ? replica : d1;
      return session(source.withSession(start), recorded);
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
