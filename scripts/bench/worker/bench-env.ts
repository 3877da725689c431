// The env one request of the bench sees, chosen by two bench-only request headers:
// `x-bench-throttle` swaps the throttle rates ("off": every scope off, the unthrottled baseline;
// "tight": one request a day, so every later one is refused with 429), and `x-bench-model` gives the
// bindings production's distances (latency-model.ts).
import { THROTTLE_SCOPES } from "../../../src/lib/throttle-rates";
import { type LatencyModel, modelledBindings, parseModel } from "./latency-model";

export const THROTTLE_HEADER = "x-bench-throttle";
export const MODEL_HEADER = "x-bench-model";

// Env's var types are wrangler.toml's literals, hence the casts: the bench substitutes other rates.
const VARIANT_RATES = {
  off: Object.fromEntries(THROTTLE_SCOPES.map((s) => [s, null])),
  tight: Object.fromEntries(THROTTLE_SCOPES.map((s) => [s, "1/day"])),
} as const;
type Variant = keyof typeof VARIANT_RATES;
const isVariant = (v: string | null): v is Variant => v !== null && Object.hasOwn(VARIANT_RATES, v);

function swapped(env: Env, variant: string | null, model: LatencyModel | null): Env {
  return {
    ...env,
    ...(isVariant(variant) ? { DEFAULT_THROTTLE_RATES: VARIANT_RATES[variant] } : {}),
    ...(model ? modelledBindings(env, model) : {}),
  } as unknown as Env;
}

// One env object per combination and isolate: the app caches what it derives from the env and its
// bindings by identity (the parsed config, the Drizzle instance, prepared statements).
const envs = new WeakMap<Env, Map<string, Env>>();

/** The request's env; throws on a malformed `x-bench-model`. */
export function benchEnv(env: Env, headers: Headers): Env {
  const variant = headers.get(THROTTLE_HEADER);
  const model = headers.get(MODEL_HEADER);
  if (!isVariant(variant) && model === null) return env;
  const byKey = envs.get(env) ?? new Map<string, Env>();
  envs.set(env, byKey);
  const key = `${isVariant(variant) ? variant : ""}|${model ?? ""}`;
  let found = byKey.get(key);
  if (!found) {
    found = swapped(env, variant, model === null ? null : parseModel(model));
    byKey.set(key, found);
  }
  return found;
}
