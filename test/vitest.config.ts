import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

// Tests never read .dev.vars: they bring their own key set, one HS256 key (JWT_ALGORITHM's default), and
// their own SECRET_KEY.
// Tests of other sets and algorithms call the Worker with replaced bindings (test/helpers/key-sets.ts).
const TEST_SIGNING_KEYS = JSON.stringify({
  keys: [
    {
      kid: "test-hs256-current",
      alg: "HS256",
      kty: "oct",
      k: Buffer.from("test-secret-that-is-long-enough-for-hs256-0123456789").toString("base64url"),
      use: "sig",
      state: "current",
    },
  ],
});
// The tests' own SECRET_KEY (32 bytes), never one of a deployment's.
const TEST_SECRET_KEY = Buffer.alloc(32, "test-secret-key").toString("base64");
// wrangler.toml requires the secrets ([secrets]); wrangler looks for them in .dev.vars or, failing that,
// process.env, and warns on every test file when neither has them.
process.env.JWT_SIGNING_KEYS ??= TEST_SIGNING_KEYS;
process.env.SECRET_KEY ??= TEST_SECRET_KEY;
// Wrangler then says which of the two it used, once per test file, at its "log" level: warnings and errors
// still show (WRANGLER_LOG=log or debug brings the rest back).
process.env.WRANGLER_LOG ??= "warn";

export default defineConfig(async () => ({
  test: {
    root: path(".."),
    // The Worker's access log (a line per request) and the local outbox's line per mail: asserted on where they
    // matter (test/observability.test.ts, the mail tests read the outbox itself), noise elsewhere.
    onConsoleLog: (log) => !/^\{"event":"(request|mail_outbox)",/.test(log),
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: path("../wrangler.toml") },
            miniflare: {
              // Scratch databases of the tests' own: a replica that has not caught up (test/helpers/d1-recorder.ts),
              // and one for applying the migrations to data of a test's choosing (test/migrations.test.ts).
              d1Databases: {
                DB: "edge-drf-api",
                LAGGING_REPLICA: "lagging-replica",
                MIGRATIONS_DB: "migrations-check",
              },
              bindings: {
                JWT_SIGNING_KEYS: TEST_SIGNING_KEYS,
                SECRET_KEY: TEST_SECRET_KEY,
                // The same SQL files `wrangler d1 migrations apply` runs, applied by test/setup.ts.
                TEST_MIGRATIONS: await readD1Migrations(path("../migrations")),
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          setupFiles: [path("./setup.ts")],
          // Every spy (a faked clock, a failing binding, a captured log) ends with its test.
          restoreMocks: true,
        },
      },
      {
        // The Node-side tools as their users run them: processes, files, exit statuses.
        test: { name: "node", include: ["test/**/*.test.mjs"], environment: "node" },
      },
    ],
  },
}));
