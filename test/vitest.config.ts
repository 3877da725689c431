import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path("../wrangler.toml") },
      miniflare: {
        bindings: {
          // Tests never read .dev.vars: they bring their own secret.
          JWT_SECRET: "test-secret-that-is-long-enough-for-hs256-0123456789",
          // The same SQL files `wrangler d1 migrations apply` runs, applied by test/setup.ts.
          TEST_MIGRATIONS: await readD1Migrations(path("../migrations")),
        },
      },
    }),
  ],
  test: {
    root: path(".."),
    include: ["test/**/*.test.ts"],
    setupFiles: [path("./setup.ts")],
  },
}));
