// `npm run dev:reset`: forget everything local — D1 (users, tasks…), the Durable Objects' throttle
// logs, KV and R2 — so that throttles and data start from nothing. The signing keys (.dev.vars) stay.
import { existsSync, rmSync } from "node:fs";

const STATE = new URL("../.wrangler/state", import.meta.url);

if (!existsSync(STATE)) {
  console.log("Nothing to delete: .wrangler/state does not exist.");
} else {
  rmSync(STATE, { recursive: true, force: true });
  console.log(
    "Deleted .wrangler/state (local D1, Durable Object throttle logs, KV, R2): users and throttles start from nothing.\n" +
      "The next `npm run dev` migrates a fresh D1; restart it if it is running.",
  );
}
