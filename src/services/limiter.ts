import { RefusalMemory } from "./refusal-memory";
import type { ThrottleWindow, Verdict } from "./sliding-log";

/** The RateLimiter object that counts for one identity: "ip:<address>", "user:<id>" or "login:…". */
export const rateLimiter = (env: Env, key: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));

/**
 * How long a request waits for its limiter. A hop is a few ms, a cold object in another region a few
 * hundred; past this the object is taken to be unavailable rather than letting the request hang.
 */
export const LIMITER_TIMEOUT_MS = 1_000;

/** The limiter did not answer (unreachable, reset, or slower than LIMITER_TIMEOUT_MS). */
export class LimiterUnavailable extends Error {
  override name = "LimiterUnavailable";
}

const memory = new RefusalMemory();

/** Whether this isolate already knows the limiter would refuse some, or all, of these windows at `now`. */
export function knownRefusals(key: string, windows: readonly ThrottleWindow[], now: number): "none" | "some" | "all" {
  const known = windows.filter((w) => memory.recall(key, w, now) !== null).length;
  return known === 0 ? "none" : known === windows.length ? "all" : "some";
}

/**
 * The limiter's verdicts on one identity's windows for a request arriving at `now`. When every window
 * is one this isolate knows to be full, the verdicts come from memory: the limiter would refuse them
 * all and log nothing. Otherwise the limiter decides (so the windows that pass log the request, as
 * DRF's do), within LIMITER_TIMEOUT_MS.
 */
export async function askLimiter(
  env: Env,
  key: string,
  windows: readonly ThrottleWindow[],
  now: number,
): Promise<Verdict[]> {
  const recalled = windows.map((w) => memory.recall(key, w, now));
  if (recalled.every((v) => v !== null)) return recalled as Verdict[];
  const verdicts = await withTimeout(rateLimiter(env, key).hit([...windows], now));
  memory.learn(key, verdicts, now);
  return verdicts;
}

/** Empties one window of an identity (LimiterUnavailable if the limiter does not answer). */
export async function clearWindow(env: Env, key: string, scope: string): Promise<void> {
  memory.forget(key, [scope]);
  await withTimeout(rateLimiter(env, key).clear(scope));
}

/** Takes back a request logged at `at` in these windows: it turned out not to be one DRF would count. */
export async function refund(env: Env, key: string, scopes: readonly string[], at: number): Promise<void> {
  memory.forget(key, scopes);
  try {
    await withTimeout(rateLimiter(env, key).forget([...scopes], at));
  } catch (e) {
    // The slots then stay used until they leave their windows: the client is held a little early, no more.
    console.error(`could not take back a request from ${key} (${scopes.join(", ")})`, e);
  }
}

async function withTimeout<T>(call: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LimiterUnavailable(`no answer within ${LIMITER_TIMEOUT_MS} ms`)),
      LIMITER_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([call, timeout]);
  } catch (e) {
    throw e instanceof LimiterUnavailable ? e : new LimiterUnavailable("the limiter failed", { cause: e });
  } finally {
    clearTimeout(timer);
  }
}
