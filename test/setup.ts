import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { MAX_PBKDF2_ITERATIONS } from "../src/services/passwords";

// Production Workers refuse PBKDF2 above 100,000 iterations; local workerd does not. Every test runs
// with production's rule, so code that asks for more fails here instead of on the first real login.
const deriveBits = crypto.subtle.deriveBits.bind(crypto.subtle);
crypto.subtle.deriveBits = (algorithm, baseKey, length) => {
  if (typeof algorithm === "object" && algorithm.name === "PBKDF2") {
    const { iterations } = algorithm as { iterations: number };
    if (iterations > MAX_PBKDF2_ITERATIONS) {
      throw new DOMException(
        `Pbkdf2 failed: iteration counts above 100000 are not supported (requested ${iterations}).`,
        "NotSupportedError",
      );
    }
  }
  return deriveBits(algorithm, baseKey, length);
};

// Idempotent: setup files may run more than once per storage.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
// A replica with the schema and none of the rows: what a replica behind the primary may not have yet.
await applyD1Migrations(env.LAGGING_REPLICA, env.TEST_MIGRATIONS);
