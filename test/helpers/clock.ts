import { onTestFinished, vi } from "vitest";

export type Clock = {
  /** The frozen time, in milliseconds since the epoch. */
  now(): number;
  /** Moves the clock `ms` on; returns the new time. */
  advance(ms: number): number;
  /** Moves the clock to `at`. */
  set(at: number | Date): void;
  /** Lets the real clock run again before the test ends (it does when the test ends in any case). */
  restore(): void;
};

/**
 * Freezes Date (Date.now(), new Date()) at `at`, the real now unless told. The Worker, jose and the
 * Durable Objects run in the test's isolate, so this is their clock too. Timers stay real: the
 * runtime's own waits depend on them. Call it inside a test; the real clock is back when that test
 * ends, passed or failed.
 */
export function freezeClock(at: number | Date = Date.now()): Clock {
  vi.useFakeTimers({ toFake: ["Date"], now: at });
  onTestFinished(restoreClock);
  return {
    now: () => Date.now(),
    advance: (ms) => {
      vi.setSystemTime(Date.now() + ms);
      return Date.now();
    },
    set: (to) => vi.setSystemTime(to),
    restore: restoreClock,
  };
}

/** The real clock again (what every freezeClock undoes when its test ends). */
export const restoreClock = () => {
  vi.useRealTimers();
};

/**
 * A year from the real now: where tests that fill a rate limiter freeze the clock, so that the
 * limiter's cleanup alarm (set on the frozen clock, fired by the real one) never runs during them.
 */
export const aYearFromNow = () => Date.now() + 365 * 86_400_000;
