import { causes, DependencyUnavailable } from "../lib/errors";

// One request's view of D1: a Sessions API session (reads near the user, writes on the primary), the
// statements Drizzle runs on it, and the one place a failing database becomes a 503.

/** Where a D1 session starts: on the primary, on any instance, or on one at least as new as a bookmark. */
export const PRIMARY = "first-primary";
export const ANY_INSTANCE = "first-unconstrained";

// Errors that are the app's own (a constraint it maps to a 400, SQL that does not fit the schema) stay
// as they are; anything else D1 throws is the database being unavailable (answered 503, never 500).
const APP_ERRORS = /SQLITE_CONSTRAINT|constraint failed|SQLITE_ERROR|no such (table|column)|syntax error/;

function unavailable(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (APP_ERRORS.test(message)) return error;
  return new DependencyUnavailable("database", error);
}

const guarded = <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return work().catch((e: unknown) => Promise.reject(unavailable(e)));
  } catch (e) {
    return Promise.reject(unavailable(e));
  }
};

const WRITES = /^\s*(insert|update|delete|replace)\b/i;

type Run = "all" | "raw" | "first" | "run";

/** A statement as Drizzle prepares and runs it; sent through its request's session when run. */
export class RequestStatement {
  constructor(
    private readonly owner: RequestD1,
    readonly sql: string,
    readonly values: readonly unknown[] = [],
  ) {}

  bind(...values: unknown[]): RequestStatement {
    return new RequestStatement(this.owner, this.sql, [...this.values, ...values]);
  }
  all<T = Record<string, unknown>>() {
    return this.owner.run(this, "all") as Promise<D1Result<T>>;
  }
  raw<T = unknown[]>() {
    return this.owner.run(this, "raw") as Promise<T[]>;
  }
  first<T = Record<string, unknown>>() {
    return this.owner.run(this, "first") as Promise<T | null>;
  }
  run<T = Record<string, unknown>>() {
    return this.owner.run(this, "run") as Promise<D1Result<T>>;
  }
}

type Pending = { statement: RequestStatement; settle: (result: Promise<D1Result>) => void };

/**
 * What every write of a request is made conditional on: `statement` runs first in the write's batch
 * and aborts it when the caller's session has ended; `explain` then throws the error to answer.
 */
export type WriteGuard = { statement: RequestStatement; explain: () => Promise<never> };

/**
 * The D1 client of one request (Drizzle runs on it as on a D1Database). Its session opens at the
 * first query, from where `start` then says (middleware/d1-session.ts decides). Besides prepare() and
 * batch() it can:
 * - carry one statement along with the request's next query: authentication's account lookup rides
 *   in the same batch — one round trip — as the first query of the handler that runs beside it;
 * - guard writes: when `guard` gives one, every statement that writes runs in a batch behind it, so a
 *   request may read near the user and still never write for a session that has just ended.
 */
export class RequestD1 {
  #session: D1DatabaseSession | null = null;
  #pending: Pending | null = null;
  #condition: RequestStatement | null = null;
  readonly #d1: D1Database;
  readonly #start: () => string;
  readonly #guard: (d1: RequestD1) => WriteGuard | null;

  constructor(d1: D1Database, start: () => string, guard: (d1: RequestD1) => WriteGuard | null = () => null) {
    this.#d1 = d1;
    this.#start = start;
    this.#guard = guard;
  }

  /** The newest database version this request has seen, for the client's next read; null before any query. */
  bookmark(): string | null {
    return this.#session?.getBookmark() ?? null;
  }

  prepare(sql: string): RequestStatement {
    return new RequestStatement(this, sql);
  }

  /** D1's batch: one round trip, one transaction, statements in order. */
  async batch<T = unknown>(statements: RequestStatement[]): Promise<D1Result<T>[]> {
    const condition = this.#condition;
    this.#condition = null;
    const guard = statements.some((s) => WRITES.test(s.sql)) ? this.#guard(this) : null;
    const first = [condition, guard?.statement].filter((s) => s !== null && s !== undefined);
    const all = [...first, ...statements];
    try {
      const results = await guarded(() => this.#open().batch<T>(all.map((s) => this.#d1Statement(s))));
      return results.slice(first.length);
    } catch (e) {
      if (guard && sessionEnded(e)) return guard.explain();
      throw e;
    }
  }

  /**
   * Runs the batch `send` makes (at once: Drizzle sends it synchronously) behind `condition`, a
   * statement that aborts the batch when what the request decided on no longer holds on the primary
   * (db/decision-guard.ts). Its result is not among the batch's.
   */
  batchBehind<T>(condition: RequestStatement, send: () => Promise<T>): Promise<T> {
    this.#condition = condition;
    try {
      return send();
    } finally {
      this.#condition = null;
    }
  }

  /** Runs one statement: on its own, or — if it writes and writes are guarded — in a batch behind the guard. */
  async run(statement: RequestStatement, how: Run): Promise<unknown> {
    if (!WRITES.test(statement.sql) || this.#guard(this) === null) {
      return guarded(() => (this.#d1Statement(statement)[how] as () => Promise<unknown>)());
    }
    const [result] = await this.batch([statement]);
    if (how === "raw") return result!.results.map((row) => Object.values(row as Record<string, unknown>));
    if (how === "first") return result!.results[0] ?? null;
    return result;
  }

  /**
   * Sends `statement` with the next `rows()` of this request, or on its own at `flush()`. Its result
   * comes as a batch result (rows as objects), so its column names must be distinct.
   */
  rideAlong(statement: RequestStatement): Promise<D1Result> {
    this.flush();
    return new Promise((resolve, reject) => {
      this.#pending = { statement, settle: (result) => result.then(resolve, reject) };
    });
  }

  /** Sends a statement still waiting for company on its own. */
  flush(): void {
    const pending = this.#take();
    if (pending) pending.settle(pending.statement.all());
  }

  /** A statement's rows as arrays (Drizzle's raw form), in one batch with the statement riding along, if any. */
  async rows(statement: RequestStatement, columns: number): Promise<unknown[][]> {
    const pending = this.#take();
    if (!pending) return statement.raw();
    const both = this.batch([pending.statement, statement]);
    pending.settle(both.then(([ridden]) => ridden!));
    return rowArrays((await both)[1]!, columns);
  }

  #take(): Pending | null {
    const pending = this.#pending;
    this.#pending = null;
    return pending;
  }

  #open(): D1DatabaseSession {
    this.#session ??= this.#d1.withSession(this.#start());
    return this.#session;
  }

  #d1Statement(statement: RequestStatement): D1PreparedStatement {
    const prepared = this.#open().prepare(statement.sql);
    return statement.values.length > 0 ? prepared.bind(...statement.values) : prepared;
  }
}

const SESSION_ENDED = "session_guard: the session has ended";

const sessionEnded = (error: unknown) => [...causes(error)].some((e) => e.message.includes(SESSION_ENDED));

/**
 * A batch result's rows as arrays. A batch answers rows as objects, which keep one value per column
 * name: `columns` says how many there must be, so a query whose names collide fails loudly instead
 * of losing a value.
 */
export function rowArrays(result: D1Result, columns: number): unknown[][] {
  return result.results.map((row) => {
    const values = Object.values(row as Record<string, unknown>);
    if (values.length !== columns)
      throw new Error(`a batched query has ${values.length} distinct column names, not ${columns}`);
    return values;
  });
}
