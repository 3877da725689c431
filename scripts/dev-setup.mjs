// `npm run dev` runs this first: a local signing key set and SECRET_KEY if there are none, and the local D1
// brought up to date.
// PERSIST_TO in the environment names another local state directory (wrangler's --persist-to) to bring up
// to date instead of .wrangler/state: the end-to-end tests' dev servers run on a state of their own.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  configuredAlgorithm,
  readLocalKeySet,
  readLocalVar,
  rotation,
  writeLocalKeySet,
  writeLocalVar,
} from "./key-store.mjs";
import { applyLocalMigrations, D1CommandError } from "./wrangler-d1.mjs";

if (readLocalKeySet() === null) {
  // Random per clone and never committed (.gitignore): a leaked dev token is useless anywhere else.
  const algorithm = await configuredAlgorithm();
  const replacedSecret = writeLocalKeySet(await rotation.initKeySet(algorithm));
  console.log(
    `Wrote a local ${algorithm} signing key set (JWT_SIGNING_KEYS) to .dev.vars` +
      (replacedSecret ? ", in place of JWT_SECRET, which is no longer read." : "."),
  );
}

if (readLocalVar("SECRET_KEY") === null) {
  // As random and as private as the key set: it encrypts local TOTP secrets and signs device tokens.
  writeLocalVar("SECRET_KEY", randomBytes(32).toString("base64"));
  console.log("Wrote a local SECRET_KEY to .dev.vars.");
}

try {
  const applied = applyLocalMigrations({ persistTo: process.env.PERSIST_TO });
  const where = process.env.PERSIST_TO ?? ".wrangler/state";
  if (applied.length === 0) console.log(`Local D1 (${where}) is up to date.`);
  else console.log(`Applied to the local D1 (${where}):\n${applied.map((name) => `  ${name}`).join("\n")}`);
} catch (error) {
  if (!(error instanceof D1CommandError)) throw error;
  console.error(error.message);
  process.exit(1);
}
// What SQL migrations cannot do: NFKC for usernames written before migration 0002.
const persistTo = process.env.PERSIST_TO ? ["--persist-to", process.env.PERSIST_TO] : [];
execFileSync("node", [new URL("./normalize-usernames.mjs", import.meta.url).pathname, ...persistTo], {
  stdio: "inherit",
});
