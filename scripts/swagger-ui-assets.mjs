// Swagger UI for /api/docs/, served by Workers static assets ([assets] in wrangler.toml) instead of a
// CDN: its files are copied from the swagger-ui-dist package, at the version package.json pins, into
// public/api/docs/assets/swagger-ui/ (git-ignored). wrangler runs this as its [build] command before
// every `wrangler dev` and `wrangler deploy`, so nothing has to be run by hand.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DIST = fileURLToPath(new URL("../node_modules/swagger-ui-dist/", import.meta.url));
const TARGET = fileURLToPath(new URL("../public/api/docs/assets/swagger-ui/", import.meta.url));
// What the page loads, and the licences that go with what it loads (Apache-2.0 asks for both).
const FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-bundle.js.LICENSE.txt", "LICENSE", "NOTICE"];

if (!existsSync(DIST)) {
  console.error(`${DIST} is missing: run npm install (swagger-ui-dist is a devDependency).`);
  process.exit(1);
}
mkdirSync(TARGET, { recursive: true });
for (const file of FILES) {
  const target = `${TARGET}${file}`;
  // Unchanged files are left alone: wrangler dev reloads on every write to the assets directory.
  if (existsSync(target) && readFileSync(target).equals(readFileSync(`${DIST}${file}`))) continue;
  copyFileSync(`${DIST}${file}`, target);
}
