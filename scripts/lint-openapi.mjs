// `npm run lint` runs this: Spectral's `spectral:oas` rules (scripts/lint-openapi.yaml) on the OpenAPI
// document exactly as the Worker serves it at GET /api/schema/. Any warning fails: a rule this API does
// not follow is switched off in the ruleset, with the reason beside it.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../test/e2e/dev-server.mjs";
import { servedDocument } from "../test/e2e/served-document.mjs";

const SPECTRAL = join(ROOT, "node_modules/.bin/spectral");
const RULESET = join(ROOT, "scripts/lint-openapi.yaml");

const dir = await mkdtemp(join(tmpdir(), "edge-drf-api-openapi-"));
// Indented, so that Spectral's line numbers point somewhere readable.
const file = join(dir, "api-schema.json");
await writeFile(file, `${JSON.stringify(await servedDocument(), null, 2)}\n`);

const code = await new Promise((resolve, reject) => {
  const spectral = spawn(SPECTRAL, ["lint", file, "--ruleset", RULESET, "--fail-severity", "warn"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  spectral.on("error", reject);
  spectral.on("exit", (status) => resolve(status ?? 1));
});
if (code === 0) {
  await rm(dir, { recursive: true, force: true });
} else {
  // Kept, so the line numbers above can be read: it is what GET /api/schema/ answers.
  console.error(`The served document is kept in ${file}.`);
  process.exitCode = code;
}
