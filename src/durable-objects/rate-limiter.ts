import { DurableObject } from "cloudflare:workers";
import { judge, type LogSummary, type ThrottleWindow, type Verdict, windowStart } from "../services/sliding-log";

/** A scope that has logged nothing. */
const EMPTY_LOG: LogSummary = { count: 0, oldest: null };

/**
 * One rate-limit identity ("ip:…", "user:…", "login:…"), addressed with idFromName: never a global
 * object. It keeps DRF's sliding log — the timestamps of admitted requests, per scope — in its
 * SQLite storage, so an eviction or restart does not hand out a fresh daily quota.
 *
 * Every method does its reads and writes with synchronous SQL and no await in between: the object
 * runs one call at a time, so concurrent requests for one identity are counted exactly.
 */
export class RateLimiter extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  // deleteAll() drops the table too, so it is (re)created lazily rather than once in the constructor.
  private hasTable = false;
  private cleanupScheduled = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
  }

  /**
   * Evaluates every window against the request arriving at `now` (ms; the caller's clock, so tests
   * control time). Each window decides on its own and logs the request only if it admits it: as in
   * DRF, throttles that pass count a request that another throttle refuses.
   */
  async hit(windows: readonly ThrottleWindow[], now: number): Promise<Verdict[]> {
    this.ensureTable();
    // Three statements whatever the number of windows: age out, count, log the admitted.
    const aged = windows.map(() => "(scope = ? AND at <= ?)").join(" OR ");
    this.sql.exec(`DELETE FROM hits WHERE ${aged}`, ...windows.flatMap((w) => [w.scope, windowStart(w, now)]));
    const logs = this.summaries(windows.map((w) => w.scope));
    const verdicts = windows.map((window) => judge(window, logs.get(window.scope) ?? EMPTY_LOG, now));
    const admitted = verdicts.filter((v) => v.allowed);
    if (admitted.length > 0) {
      const rows = admitted.map(() => "(?, ?, ?)").join(", ");
      const values = admitted.flatMap((v) => [v.scope, now, now + v.durationMs]);
      this.sql.exec(`INSERT INTO hits (scope, at, expires_at) VALUES ${rows}`, ...values);
    }
    await this.scheduleCleanup();
    return verdicts;
  }

  /**
   * Takes back one request logged at `at` in each of `scopes`: a login attempt that turned out not to
   * be a failure, or a request whose authentication failed after the limiter had counted it.
   */
  forget(scopes: readonly string[], at: number): void {
    this.ensureTable();
    const oneRow = "SELECT rowid FROM hits WHERE scope = ? AND at = ? LIMIT 1";
    for (const scope of scopes) this.sql.exec(`DELETE FROM hits WHERE rowid = (${oneRow})`, scope, at);
  }

  /** Forgets everything logged for `scope`: an admin clearing a username's failed logins. */
  clear(scope: string): void {
    this.ensureTable();
    this.sql.exec("DELETE FROM hits WHERE scope = ?", scope);
  }

  /** Once every logged request has left its window, the object's storage is deleted altogether. */
  override async alarm(): Promise<void> {
    this.ensureTable();
    this.sql.exec("DELETE FROM hits WHERE expires_at <= ?", Date.now());
    const last = this.lastExpiry();
    if (last === null) {
      this.hasTable = false;
      this.cleanupScheduled = false;
      await this.ctx.storage.deleteAll();
    } else {
      await this.ctx.storage.setAlarm(last);
    }
  }

  private ensureTable(): void {
    if (this.hasTable) return;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS hits (
      scope TEXT NOT NULL,
      at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS hits_scope_at ON hits (scope, at)");
    this.hasTable = true;
  }

  private summaries(scopes: readonly string[]): Map<string, LogSummary> {
    const marks = scopes.map(() => "?").join(", ");
    const rows = this.sql.exec<LogSummary & { scope: string }>(
      `SELECT scope, count(*) AS count, min(at) AS oldest FROM hits WHERE scope IN (${marks}) GROUP BY scope`,
      ...scopes,
    );
    return new Map([...rows].map(({ scope, count, oldest }) => [scope, { count, oldest }]));
  }

  private lastExpiry(): number | null {
    return this.sql.exec<{ last: number | null }>("SELECT max(expires_at) AS last FROM hits").one().last;
  }

  // DRF's cache entries expire after their window; here one alarm per object clears what has
  // expired, set for when the newest entry expires (later entries move it on when it fires).
  private async scheduleCleanup(): Promise<void> {
    if (this.cleanupScheduled) return;
    const last = this.lastExpiry();
    if (last !== null && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(last);
    this.cleanupScheduled = true;
  }
}
