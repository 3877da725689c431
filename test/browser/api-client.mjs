// The SPA's typed client: openapi-typescript's types for the OpenAPI document the API serves.
//
//   npm run client:generate   writes test/browser/spa/api-schema.d.ts
//   npm run client:check      fails if that file differs from what the API serves now (CI runs it)
//
// The document comes from the Worker itself (test/e2e/served-document.mjs), exactly as an SPA team
// would fetch it from `npm run dev` (docs/browser-apps.md#typed-client).
import { readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";
import { ROOT } from "../e2e/dev-server.mjs";
import { servedDocument } from "../e2e/served-document.mjs";

const OUTPUT = join(ROOT, "test/browser/spa/api-schema.d.ts");

const BANNER = `${COMMENT_HEADER}// From GET /api/schema/: regenerate with \`npm run client:generate\` (CI checks it with client:check).\n`;

const generated = BANNER + astToString(await openapiTS(await servedDocument()));
const name = relative(ROOT, OUTPUT);
if (process.argv.includes("--check")) {
  const committed = await readFile(OUTPUT, "utf8").catch(() => "");
  if (committed !== generated) {
    console.error(`${name} is not what the API serves: run npm run client:generate and commit it.`);
    process.exitCode = 1;
  } else {
    console.log(`${name} matches GET /api/schema/.`);
  }
} else {
  await writeFile(OUTPUT, generated);
  console.log(`wrote ${name}`);
}
