// The signing key set, JWT_SIGNING_KEYS (docs/signing-keys.md):
//   npm run keys -- list | init | rotate [--force] | revoke <kid>  [--algorithm HS256|ES256|EdDSA]
//                        [--env <name> --file <path>]
// Without --env it works on .dev.vars. A deployed environment's secret cannot be read back from
// Cloudflare, so with --env it works on a key-set file the operator keeps (--file), and prints the
// `wrangler secret put` that uploads it.
import { writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  configuredAlgorithm,
  keySets,
  readKeySetFile,
  readLocalKeySet,
  rotation,
  wranglerVars,
  writeKeySetFile,
  writeLocalKeySet,
} from "./key-store.mjs";

const { currentKey, JWKS_MAX_AGE_SECONDS, KEY_SET_SETTING, KeySetError, parseKeySet, SIGNING_ALGORITHMS } = keySets;
const { describeKeys, initKeySet, KeyRotationError, revokeKey, rotateKeys } = rotation;

const USAGE = `Usage: npm run keys -- <command> [options]

  list            the keys of the set: kid, alg, state (never key material)
  init            a first set: a current key and a next one, of JWT_ALGORITHM
  rotate          next → current, current → previous, the old previous dropped (revoked), a fresh next;
                  refused while the next key is younger than the JWKS cache window (${JWKS_MAX_AGE_SECONDS / 60} minutes)
  revoke <kid>    remove one key: every token it signed is refused once the set is live
                  (a kid that starts with "-": revoke --kid=<kid>)

  --force         rotate even so (verifiers holding an older JWKS refuse the new key's tokens for a while)
  --algorithm X   the algorithm of new keys (HS256, ES256, EdDSA); default: JWT_ALGORITHM in wrangler.toml
  --env NAME      a deployed environment, e.g. production (needs --file)
  --file PATH     that environment's key set, a file you keep out of the repository (init creates it)`;

class CommandError extends Error {}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        algorithm: { type: "string" },
        env: { type: "string" },
        file: { type: "string" },
        kid: { type: "string" },
        force: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    if (!error.code?.startsWith("ERR_PARSE_ARGS")) throw error;
    throw new CommandError(`${error.message}\n\n${USAGE}`);
  }
}

// npm runs scripts in the package root; a path the operator typed is relative to where they typed it.
const WORKING_DIRECTORY = process.env.INIT_CWD ?? process.cwd();
const REPOSITORY = fileURLToPath(new URL("..", import.meta.url));

/** A path as the operator would type it: relative inside their working directory, absolute outside. */
function shownPath(path) {
  const inside = relative(WORKING_DIRECTORY, path);
  return inside.startsWith("..") ? path : inside;
}

/** Where the set lives, and how to put it where the Worker reads it. */
function storeFor({ env, file }) {
  if (env !== undefined && file === undefined) {
    throw new CommandError(
      `Cloudflare never gives a secret back, so for --env ${env} the key set lives in a file you keep: ` +
        `pass --file <path> (\`npm run keys -- init --env ${env} --file <path>\` creates it).`,
    );
  }
  if (file === undefined) {
    return {
      where: ".dev.vars",
      create: "`npm run dev` makes one (or `npm run keys -- init`)",
      read: readLocalKeySet,
      write(set) {
        if (writeLocalKeySet(set)) console.log("Removed JWT_SECRET from .dev.vars: JWT_SIGNING_KEYS replaces it.");
      },
      upload: () => console.log("Restart `npm run dev` to use it."),
    };
  }
  const path = resolve(WORKING_DIRECTORY, file);
  const shown = shownPath(path);
  if (!relative(REPOSITORY, path).startsWith("..")) {
    console.warn(
      `Warning: ${shown} is inside the repository; it holds private keys, keep it elsewhere (and never commit it).`,
    );
  }
  const envFlag = env === undefined ? "" : ` --env ${env}`;
  return {
    where: shown,
    create: `\`npm run keys -- init${envFlag} --file ${shown}\` makes one`,
    read: () => readKeySetFile(path),
    write: (set) => writeKeySetFile(path, set),
    upload() {
      console.log(
        `\nUpload it (the Worker picks it up at once):\n\n  npx wrangler secret put ${KEY_SET_SETTING}${envFlag} < ${shown}\n`,
      );
    },
    /** A var and a secret that must change together go up in one deploy; a secret put alone would come first. */
    uploadWithAlgorithm(set, algorithm) {
      const secrets = `${path}.secrets.json`;
      const shownSecrets = shownPath(secrets);
      writeFileSync(secrets, JSON.stringify({ [KEY_SET_SETTING]: JSON.stringify(set) }), { mode: 0o600 });
      const section = env === undefined ? "[vars]" : `[env.${env}.vars]`;
      console.log(
        `\nThe current key now signs with ${algorithm}, so JWT_ALGORITHM must change in the same deploy as the key set ` +
          `(either one alone leaves the Worker refusing its configuration):\n\n` +
          `  1. set JWT_ALGORITHM = "${algorithm}" in ${section} of wrangler.toml\n` +
          `  2. npx wrangler deploy${envFlag} --secrets-file ${shownSecrets}\n` +
          `  3. rm ${shownSecrets}\n`,
      );
    },
  };
}

function loadSet(store) {
  const text = store.read();
  if (text === null) throw new CommandError(`No key set in ${store.where} yet: ${store.create}.`);
  try {
    return parseKeySet(text);
  } catch (e) {
    if (e instanceof KeySetError) throw new CommandError(`${store.where}: ${e.message}`);
    throw e;
  }
}

function printKeys(set) {
  const rows = [{ kid: "kid", alg: "alg", state: "state" }, ...describeKeys(set)];
  const width = (column) => Math.max(...rows.map((row) => row[column].length));
  const [kid, alg] = [width("kid"), width("alg")];
  for (const row of rows) console.log(`  ${row.kid.padEnd(kid)}  ${row.alg.padEnd(alg)}  ${row.state}`);
}

const lifetime = (vars, name, fallback) => Number(vars[name] ?? fallback);

/** How long a demoted key's tokens live: a rotation or revocation before then logs their holders out. */
async function printCadence(env, demoted) {
  const vars = await wranglerVars(env);
  const access = lifetime(vars, "ACCESS_TOKEN_LIFETIME", 3600);
  const refresh = lifetime(vars, "REFRESH_TOKEN_LIFETIME", 86400);
  console.log(
    `Key ${demoted.kid} still verifies the tokens it signed. Its access tokens expire within ACCESS_TOKEN_LIFETIME ` +
      `(${access} s), its refresh tokens within REFRESH_TOKEN_LIFETIME (${refresh} s): rotate again or revoke it only ` +
      `after ${refresh} s plus a margin, or the users holding them must log in again.`,
  );
}

async function main() {
  const { values: options, positionals } = parseCommandLine();
  const [command, ...args] = positionals;
  if (options.help || command === undefined) return console.log(USAGE);
  const algorithm = options.algorithm ?? (await configuredAlgorithm(options.env));
  if (!SIGNING_ALGORITHMS.includes(algorithm)) {
    throw new CommandError(`--algorithm must be one of ${SIGNING_ALGORITHMS.join(", ")}, not "${algorithm}".`);
  }
  const store = storeFor(options);

  if (command === "list") return printKeys(loadSet(store));

  let set;
  let before = null;
  if (command === "init") {
    if (store.read() !== null) {
      throw new CommandError(
        `${store.where} already holds a key set: \`npm run keys -- rotate\` replaces keys without logging anyone out.`,
      );
    }
    set = await initKeySet(algorithm);
    console.log(`Created a key set in ${store.where}:`);
  } else if (command === "rotate" || command === "revoke") {
    const old = loadSet(store);
    before = currentKey(old).alg;
    const kid = options.kid ?? args[0];
    if (command === "revoke" && kid === undefined) throw new CommandError("Usage: npm run keys -- revoke <kid>");
    const change =
      command === "rotate"
        ? await rotateKeys(old, algorithm, { force: options.force })
        : await revokeKey(old, kid, algorithm);
    set = change.set;
    if (change.early) {
      console.warn(
        `Warning: ${change.promoted.kid} signs before it has been published for ${JWKS_MAX_AGE_SECONDS / 60} minutes: ` +
          "a verifier whose cached JWKS predates the key refuses its tokens until that cache expires " +
          `(by ${change.early.toISOString()}).`,
      );
    }
    for (const key of change.dropped)
      console.log(`Revoked ${key.kid} (${key.alg}, was ${key.state}): its tokens are refused once this set is live.`);
    if (change.promoted) console.log(`${change.promoted.kid} (${change.promoted.alg}) now signs.`);
    for (const key of change.added) console.log(`New ${key.state} key ${key.kid} (${key.alg}).`);
    if (change.unpublished && change.promoted.alg !== "HS256") {
      console.log(
        "The set had no next key: verifiers caching /.well-known/jwks.json (~10 min) learn the new key late.",
      );
    }
  } else {
    throw new CommandError(`Unknown command "${command}".\n\n${USAGE}`);
  }

  store.write(set);
  printKeys(set);
  const now = currentKey(set).alg;
  if (before !== null && before !== now && store.uploadWithAlgorithm) {
    store.uploadWithAlgorithm(set, now);
  } else {
    store.upload();
    if (now !== (await configuredAlgorithm(options.env))) {
      const section = options.env === undefined ? "[vars]" : `[env.${options.env}.vars]`;
      console.log(`The current key signs with ${now}: set JWT_ALGORITHM = "${now}" in ${section} of wrangler.toml.`);
    }
  }
  if (command === "rotate")
    await printCadence(
      options.env,
      set.keys.find((key) => key.state === "previous"),
    );
}

try {
  await main();
} catch (error) {
  if (!(error instanceof CommandError || error instanceof KeyRotationError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
