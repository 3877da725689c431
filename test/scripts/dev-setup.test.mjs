// What `npm run dev` does to the local D1 before wrangler dev starts (scripts/dev-setup.mjs), on a
// state directory of the test's own (wrangler's --persist-to, as the end-to-end servers use it).
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { applyLocalMigrations } from "../../scripts/wrangler-d1.mjs";

const MIGRATIONS = readdirSync(new URL("../../migrations/", import.meta.url)).filter((name) => name.endsWith(".sql"));

it("applies every migration to an empty D1 and names each once; then there is nothing to apply", async () => {
  const state = await mkdtemp(join(tmpdir(), "edge-drf-api-d1-"));
  try {
    expect(MIGRATIONS.length).toBeGreaterThan(1);
    expect(applyLocalMigrations({ persistTo: state })).toEqual(MIGRATIONS.sort());
    expect(applyLocalMigrations({ persistTo: state })).toEqual([]);
  } finally {
    await rm(state, { recursive: true, force: true });
  }
}, 120_000);
