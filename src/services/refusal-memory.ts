import type { ThrottleWindow, Verdict } from "./sliding-log";

/** A window the limiter has declared full: it admits nothing before `until` (ms). */
type Exhausted = { until: number; trustUntil: number; limit: number; durationMs: number; waitKnown: boolean };

/**
 * How long a full window is believed without asking again. A window can free up early — a request
 * taken back, an admin clearing a login counter — in another isolate, which this one cannot hear of:
 * past this, it asks the limiter again (one hop a minute per full identity, still no database work).
 */
export const TRUST_MS = 60_000;

/**
 * What one isolate has learnt from the limiter about windows that are full. DRF's sliding log cannot
 * admit a request before its oldest entry leaves the window, so a window the limiter refused — or
 * filled with its last admission — refuses everything until then, and a request that only such
 * windows would judge can be refused here: same answer, same wait, no hop and nothing logged (a
 * refused request is logged by no window that refuses it). Anything else still asks the limiter.
 */
export class RefusalMemory {
  readonly #full = new Map<string, Exhausted>();

  constructor(private readonly capacity = 10_000) {}

  /** Takes note of what the limiter answered for `identity` at `now`. */
  learn(identity: string, verdicts: readonly Verdict[], now: number): void {
    for (const v of verdicts) {
      const full = !v.allowed || v.remaining === 0;
      const key = `${identity} ${v.scope}`;
      if (!full) {
        this.#full.delete(key);
        continue;
      }
      // Refused with a wait (or filled by this admission): the window frees when its oldest entry
      // leaves. Refused without one (DRF's None: more logged than the limit allows) frees no sooner.
      const waitKnown = v.allowed || v.waitMs !== null;
      const until = now + v.resetMs;
      const trustUntil = Math.min(until, now + TRUST_MS);
      this.#full.set(key, { until, trustUntil, limit: v.limit, durationMs: v.durationMs, waitKnown });
    }
    if (this.#full.size > this.capacity) this.#evict(now);
  }

  /** A request was taken back from these windows (e.g. its authentication failed): they may have room. */
  forget(identity: string, scopes: readonly string[]): void {
    for (const scope of scopes) this.#full.delete(`${identity} ${scope}`);
  }

  /** The limiter's verdict on `window` at `now` if it is certain to be a refusal; otherwise null. */
  recall(identity: string, window: ThrottleWindow, now: number): Verdict | null {
    const full = this.#full.get(`${identity} ${window.scope}`);
    // A changed rate (a new deploy starts new isolates anyway) is not the window that was full.
    if (!full || full.trustUntil <= now || full.limit !== window.limit || full.durationMs !== window.durationMs) {
      return null;
    }
    const left = full.until - now;
    return { ...window, allowed: false, remaining: 0, resetMs: left, waitMs: full.waitKnown ? left : null };
  }

  #evict(now: number): void {
    for (const [key, full] of this.#full) if (full.trustUntil <= now) this.#full.delete(key);
    // Still too many live ones: the oldest entries go first (Map keeps insertion order).
    for (const key of this.#full.keys()) {
      if (this.#full.size <= this.capacity) break;
      this.#full.delete(key);
    }
  }
}
