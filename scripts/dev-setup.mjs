// `npm run dev` runs this first: a local secret if there is none, and the local D1 brought up to date.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";

const DEV_VARS = new URL("../.dev.vars", import.meta.url);

if (!existsSync(DEV_VARS)) {
  // Random per clone and never committed (.gitignore): a leaked dev token is useless anywhere else.
  writeFileSync(DEV_VARS, `JWT_SECRET=${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
  console.log("Created .dev.vars with a random local JWT_SECRET.");
}

execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"], {
  stdio: "inherit",
  env: { ...process.env, CI: "true" }, // never wait for the "apply N migrations?" confirmation
});
