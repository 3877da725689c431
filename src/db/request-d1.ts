import { DependencyUnavailable } from "../lib/errors";

// One request's view of D1: a Sessions API session (reads near the user, writes on the primary), the
// statements Drizzle runs on it, and the one place a failing database becomes a 503.

/** What D1's getBookmark() returns: `<8 hex>-<8 hex>-<8 hex>-<32 hex>`. Anything else is ignored. */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

export const isBookmark = (text: string | undefined): text is string => text !== undefined && BOOKMARK.test(text);

/**
 * Where a request's session starts. A request that writes, and every decision taken before a write
 * (who the caller is, whether they own the row), reads the primary. A read starts from the client's
 * bookmark — a replica at least that new, so the client sees its own writes — or from any instance.
 */
export function sessionStart(method: string, bookmark: string | undefined): string {
  if (method !== "GET" && method !== "HEAD" && method !== "OPTIONS") return "first-primary";
  return isBookmark(bookmark) ? bookmark : "first-unconstrained";
}

// Errors that are the app's own (a constraint it maps to a 400, SQL that does not fit the schema) stay
// as they are; anything else D1 throws is the database being unavailable.
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

/** A D1 statement whose failures are classified as above; what Drizzle prepares and runs. */
export class RequestStatement {
  constructor(readonly statement: D1PreparedStatement) {}

  bind(...values: unknown[]): RequestStatement {
    return new RequestStatement(this.statement.bind(...values));
  }
  all<T = Record<string, unknown>>() {
    return guarded(() => this.statement.all<T>());
  }
  raw<T = unknown[]>() {
    return guarded(() => this.statement.raw<T>());
  }
  first<T = Record<string, unknown>>() {
    return guarded(() => this.statement.first<T>());
  }
  run<T = Record<string, unknown>>() {
    return guarded(() => this.statement.run<T>());
  }
}

type Pending = { statement: D1PreparedStatement; settle: (result: Promise<D1Result>) => void };

/**
 * The D1 client of one request (Drizzle runs on it as on a D1Database). Besides prepare() and batch(),
 * it can carry one statement along with the request's next query: authentication's account lookup
 * rides in the same batch — one round trip — as the first query of the handler that runs beside it.
 */
export class RequestD1 {
  #pending: Pending | null = null;

  constructor(private readonly session: D1DatabaseSession) {}

  /** The newest database version this request has seen, for the client's next read; null before any query. */
  bookmark(): string | null {
    return this.session.getBookmark();
  }

  prepare(sql: string): RequestStatement {
    return new RequestStatement(this.session.prepare(sql));
  }

  /** D1's batch: one round trip, one transaction, statements in order. */
  batch<T = unknown>(statements: RequestStatement[]): Promise<D1Result<T>[]> {
    return guarded(() => this.session.batch<T>(statements.map((s) => s.statement)));
  }

  /**
   * Sends `statement` with the next `rows()` of this request, or on its own at `flush()`. Its result
   * comes as a batch result (rows as objects), so its column names must be distinct.
   */
  rideAlong(statement: RequestStatement): Promise<D1Result> {
    this.flush();
    return new Promise((resolve, reject) => {
      this.#pending = { statement: statement.statement, settle: (result) => result.then(resolve, reject) };
    });
  }

  /** Sends a statement still waiting for company on its own. */
  flush(): void {
    const pending = this.#take();
    if (pending) pending.settle(guarded(() => pending.statement.all()));
  }

  /** A statement's rows as arrays (Drizzle's raw form), in one batch with the statement riding along, if any. */
  async rows(statement: RequestStatement, columns: number): Promise<unknown[][]> {
    const pending = this.#take();
    if (!pending) return statement.raw();
    const both = this.batch([new RequestStatement(pending.statement), statement]);
    pending.settle(both.then(([ridden]) => ridden!));
    return rowArrays((await both)[1]!, columns);
  }

  #take(): Pending | null {
    const pending = this.#pending;
    this.#pending = null;
    return pending;
  }
}

/**
 * A batch result's rows as arrays. A batch answers rows as objects, which keep one value per column
 * name: `columns` says how many there must be, so a query whose names collide fails loudly instead
 * of losing a value.
 */
export function rowArrays(result: D1Result, columns: number): unknown[][] {
  return result.results.map((row) => {
    const values = Object.values(row as Record<string, unknown>);
    if (values.length !== columns) throw new Error(`a batched query has ${values.length} distinct column names, not ${columns}`);
    return values;
  });
}
