// The SPA's typed client: openapi-typescript's types for the OpenAPI document the API serves.
//
//   npm run client:generate   writes test/browser/spa/api-schema.d.ts
//   npm run client:check      fails if that file differs from what the API serves now (CI runs it)
//
// The document comes from the Worker itself — wrangler.toml, run in workerd by wrangler's
// unstable_startWorker on a free port with throwaway local state — and GET /api/schema/, exactly as an
// SPA team would fetch it from `npm run dev` (docs/browser-apps.md#typed-client).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";
import { unstable_startWorker } from "wrangler";
import { freePort, ROOT } from "../e2e/dev-server.mjs";

const OUTPUT = join(ROOT, "test/browser/spa/api-schema.d.ts");

// /api/schema/ reads the configuration like any request, so the Worker needs a signing key set; this
// one signs nothing anybody keeps (it is not .dev.vars', which may be missing or stale).
const THROWAWAY_KEYS = JSON.stringify({
  keys: [
    {
      kid: "schema",
      alg: "HS256",
      kty: "oct",
      k: Buffer.alloc(32, 7).toString("base64url"),
      use: "sig",
      state: "current",
    },
  ],
});

async function servedDocument() {
  const state = await mkdtemp(join(tmpdir(), "edge-drf-api-schema-"));
  const worker = await unstable_startWorker({
    config: join(ROOT, "wrangler.toml"),
    bindings: {
      JWT_SIGNING_KEYS: { type: "secret_text", value: THROWAWAY_KEYS },
      SECRET_KEY: { type: "secret_text", value: Buffer.alloc(32, 7).toString("base64") },
    },
    dev: { server: { port: await freePort() }, inspector: false, persist: state, watch: false, logLevel: "warn" },
  });
  try {
    const res = await worker.fetch("http://localhost/api/schema/");
    if (res.status !== 200) throw new Error(`GET /api/schema/ answered ${res.status}: ${await res.text()}`);
    return await res.json();
  } finally {
    await worker.dispose();
    await rm(state, { recursive: true, force: true });
  }
}

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
