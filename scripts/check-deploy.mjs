// `npm run deploy`: check, then apply and upload, stopping at the first step that fails.
//   1. the production configuration, offline (scripts/deploy-checks.ts): placeholder ids, vars, origins,
//      the key set when one is given; nothing is applied or uploaded while a problem remains
//   2. npm run typecheck, npm test (--skip-checks leaves them out; step 1 always runs)
//   3. wrangler d1 migrations apply DB --remote --env production, the username normalisation, then
//      wrangler deploy --env production
//      (--dry-run instead builds the Worker and uploads nothing)
//
//   npm run deploy [-- --skip-checks] [--dry-run] [--keys-file <path>] [--config <wrangler.toml>]
//
// --keys-file validates the key set you uploaded as JWT_SIGNING_KEYS (the file `npm run keys -- init
// --env production --file <path>` wrote); JWT_SIGNING_KEYS in the environment is validated the same way.
// wrangler.toml is read by wrangler's own reader, so the checks see what `wrangler deploy` would.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { register } from "node:module";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

register("./resolve-ts.mjs", import.meta.url);
const { checkDeployment } = await import("./deploy-checks.ts");
const { KEY_SET_SETTING } = await import("../src/lib/key-set.ts");

const ENV = "production";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NOTHING_DONE = "Nothing was applied or uploaded.";

function fail(message) {
  console.error(`\n${message}`);
  process.exit(1);
}

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      "skip-checks": { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      "keys-file": { type: "string" },
      config: { type: "string", default: fileURLToPath(new URL("../wrangler.toml", import.meta.url)) },
    },
  }));
} catch (e) {
  fail(
    `${e.message}\nUsage: npm run deploy [-- --skip-checks] [--dry-run] [--keys-file <path>] [--config <wrangler.toml>]`,
  );
}

async function readWranglerConfig(env) {
  const { unstable_readConfig } = await import("wrangler");
  if (typeof unstable_readConfig !== "function") {
    fail(
      `This wrangler no longer exports unstable_readConfig, which reads wrangler.toml for the checks. ${NOTHING_DONE}`,
    );
  }
  try {
    return unstable_readConfig({ config: options.config, env }, { hideWarnings: true });
  } catch (e) {
    fail(`${options.config}: ${e.message}\n${NOTHING_DONE}`);
  }
}

function keySetToCheck() {
  const path = options["keys-file"];
  if (path !== undefined) {
    try {
      return { text: readFileSync(path, "utf8"), from: path };
    } catch (e) {
      fail(`--keys-file ${path}: ${e.code === "ENOENT" ? "no such file" : e.message}\n${NOTHING_DONE}`);
    }
  }
  const fromEnvironment = process.env[KEY_SET_SETTING];
  return fromEnvironment ? { text: fromEnvironment, from: `${KEY_SET_SETTING} in the environment` } : undefined;
}

/**
 * Whether production has the secret, asked only when there are credentials to ask with (CI's API
 * token): offline, or logged in another way, the reminder stands and `wrangler deploy` checks it itself
 * ([secrets] required). Null when it could not be asked.
 */
function remoteSecretNames() {
  if (!process.env.CLOUDFLARE_API_TOKEN) return null;
  const args = ["wrangler", "secret", "list", "--env", ENV, "--config", options.config, "--format", "json"];
  const listed = spawnSync("npx", args, { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
  try {
    if (listed.status !== 0) return null;
    return JSON.parse(listed.stdout).map((secret) => secret.name);
  } catch {
    return null;
  }
}

/** Runs a step; when it fails, says so, and what its failure leaves behind, and stops. */
function run(command, args, leaves = NOTHING_DONE) {
  console.log(`\n$ ${[command, ...args].join(" ")}`);
  const done = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
  if (done.status !== 0) fail(`\`${[command, ...args].join(" ")}\` failed (${done.status ?? done.signal}). ${leaves}`);
}

console.log(`Checking the ${ENV} configuration (${relative(ROOT, options.config)}, [env.${ENV}])…`);
const target = await readWranglerConfig(ENV);
const local = await readWranglerConfig(undefined);
const keySet = keySetToCheck();
const { errors, warnings } = checkDeployment(target, local, { env: ENV, keySet });

let secretNote;
if (keySet) {
  const refused = errors.some((error) => error.startsWith(`${keySet.from}: `));
  if (!refused) secretNote = `${KEY_SET_SETTING}: the key set of ${keySet.from} is valid.`;
} else {
  const names = remoteSecretNames();
  if (names && !names.includes(KEY_SET_SETTING)) {
    errors.push(
      `${KEY_SET_SETTING} is not set in ${ENV}: \`npm run keys -- init --env ${ENV} --file <path>\`, then the ` +
        `\`npx wrangler secret put ${KEY_SET_SETTING} --env ${ENV}\` it prints`,
    );
  } else if (names) {
    secretNote = `${KEY_SET_SETTING}: set in ${ENV} (wrangler secret list); --keys-file <path> validates the set itself.`;
  } else {
    secretNote =
      `${KEY_SET_SETTING} is a secret, not checked offline: \`npx wrangler secret list --env ${ENV}\` shows whether it is ` +
      "set (`wrangler deploy` refuses to ship without it); --keys-file <path> validates the set you uploaded.";
  }
}
for (const error of errors) console.error(`  error: ${error}`);
for (const warning of warnings) console.error(`  warning: ${warning}`);
if (secretNote) console.log(`  note: ${secretNote}`);
if (errors.length > 0) {
  fail(`${errors.length} problem${errors.length === 1 ? "" : "s"} in the ${ENV} configuration. ${NOTHING_DONE}`);
}
const warned = warnings.length === 0 ? "" : ` (${warnings.length} warning${warnings.length === 1 ? "" : "s"})`;
console.log(`  The ${ENV} configuration is fine${warned}.`);

if (options["skip-checks"]) {
  console.log("\n--skip-checks: no typecheck, no tests.");
} else {
  run("npm", ["run", "typecheck"]);
  run("npm", ["test"]);
}

const wranglerFlags = ["--env", ENV, "--config", relative(ROOT, options.config)];
if (options["dry-run"]) {
  run("npx", ["wrangler", "deploy", "--dry-run", ...wranglerFlags]);
  console.log(`\n--dry-run: ${NOTHING_DONE}`);
} else {
  run(
    "npx",
    ["wrangler", "d1", "migrations", "apply", "DB", "--remote", ...wranglerFlags],
    `The Worker was not uploaded; \`npx wrangler d1 migrations list DB --remote --env ${ENV}\` shows what was applied.`,
  );
  // What SQL migrations cannot do: NFKC for usernames written before migration 0002.
  run(
    "node",
    ["scripts/normalize-usernames.mjs", "--remote", "--env", ENV],
    "The migrations were applied; the Worker was not uploaded.",
  );
  run("npx", ["wrangler", "deploy", ...wranglerFlags], "The migrations were applied; the Worker was not uploaded.");
}
