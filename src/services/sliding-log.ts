import type { Rate } from "../lib/throttle-rates";

// DRF's SimpleRateThrottle algorithm as pure arithmetic, so the Durable Object only stores and
// counts timestamps and the maths can be tested on its own.

/** One throttle's window as the limiter evaluates it. */
export type ThrottleWindow = Rate & { scope: string };

/** The admitted requests still inside the window: how many, and when the oldest arrived (ms). */
export type LogSummary = { count: number; oldest: number | null };

export type Verdict = ThrottleWindow & {
  allowed: boolean;
  /** Requests still admissible in the window after this one. */
  remaining: number;
  /** ms until the oldest logged request leaves the window (the next slot frees up). */
  resetMs: number;
  /** DRF's wait() in ms for a refused request; null when DRF's wait() is None. */
  waitMs: number | null;
};

/** DRF pops entries while `history[-1] <= now - duration`: one exactly a window old has left it. */
export const windowStart = (rate: Rate, now: number) => now - rate.durationMs;

/** DRF's wait(): time until the oldest entry leaves, shared among the requests that could then run. */
export function drfWait(rate: Rate, log: LogSummary, now: number): number | null {
  const remaining = log.oldest === null ? rate.durationMs : rate.durationMs - (now - log.oldest);
  const available = rate.limit - log.count + 1;
  return available <= 0 ? null : remaining / available;
}

/** Admits the request while fewer than `limit` lie in the window; a refused request is not logged. */
export function judge(window: ThrottleWindow, log: LogSummary, now: number): Verdict {
  const allowed = log.count < window.limit;
  const count = allowed ? log.count + 1 : log.count;
  const oldest = log.oldest ?? (allowed ? now : null);
  return {
    ...window,
    allowed,
    remaining: Math.max(0, window.limit - count),
    resetMs: oldest === null ? window.durationMs : oldest + window.durationMs - now,
    waitMs: allowed ? null : drfWait(window, log, now),
  };
}

/** DRF's Throttled wait: the largest of the refusing throttles' waits that are not None, in seconds; null if all are. */
export function longestWait(refused: readonly Verdict[]): number | null {
  const waits = refused.flatMap((v) => (v.waitMs === null ? [] : [v.waitMs]));
  return waits.length === 0 ? null : Math.max(...waits) / 1000;
}
