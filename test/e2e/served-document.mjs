// The OpenAPI document as the API serves it: wrangler.toml, run in workerd by wrangler's
// unstable_startWorker on a free port with throwaway local state, and GET /api/schema/ — exactly as an
// SPA team would fetch it from `npm run dev`. For the typed client (test/browser/api-client.mjs) and
// the document's lint (scripts/lint-openapi.mjs).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unstable_startWorker } from "wrangler";
import { freePort, ROOT } from "./dev-server.mjs";

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

/** GET /api/schema/ of a Worker started for this one request, as JSON. */
export async function servedDocument() {
  // As `npm run dev` does: no request.cf fetched from Cloudflare (offline, a warning per start otherwise).
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
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
