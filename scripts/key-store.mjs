// Where `npm run keys` and `npm run dev` keep JWT_SIGNING_KEYS: .dev.vars locally, or a file the
// operator keeps for a deployed environment (Cloudflare never gives a secret back to be edited).
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { register } from "node:module";
import { readVar, removeVar, writeVar } from "./dev-vars.ts";

register("./resolve-ts.mjs", import.meta.url);
export const keySets = await import("../src/lib/key-set.ts");
export const rotation = await import("../src/services/key-rotation.ts");

const { KEY_SET_SETTING } = keySets;
export const DEV_VARS = new URL("../.dev.vars", import.meta.url);
const WRANGLER_TOML = new URL("../wrangler.toml", import.meta.url);

/** The vars wrangler.toml gives `env` (the top level when none), read as wrangler reads them. */
export async function wranglerVars(env) {
  const { unstable_readConfig } = await import("wrangler");
  return unstable_readConfig({ config: WRANGLER_TOML.pathname, env }).vars;
}

/** JWT_ALGORITHM as the Worker of `env` will see it (its default: HS256). */
export const configuredAlgorithm = async (env) => (await wranglerVars(env)).JWT_ALGORITHM ?? "HS256";

/** The key set in .dev.vars (text), or null. */
export function readLocalKeySet() {
  if (!existsSync(DEV_VARS)) return null;
  return readVar(readFileSync(DEV_VARS, "utf8"), KEY_SET_SETTING) ?? null;
}

/**
 * Writes the key set into .dev.vars, keeping every other line but JWT_SECRET, which it replaces (the
 * Worker no longer reads it). Returns whether a JWT_SECRET line went.
 */
export function writeLocalKeySet(set) {
  const before = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "";
  const hadSecret = readVar(before, "JWT_SECRET") !== undefined;
  const after = writeVar(removeVar(before, "JWT_SECRET"), KEY_SET_SETTING, JSON.stringify(set));
  writePrivate(DEV_VARS, after);
  return hadSecret;
}

/** A variable of .dev.vars, or null. */
export function readLocalVar(name) {
  if (!existsSync(DEV_VARS)) return null;
  return readVar(readFileSync(DEV_VARS, "utf8"), name) ?? null;
}

/** Sets one variable of .dev.vars, keeping every other line. */
export function writeLocalVar(name, value) {
  const before = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "";
  writePrivate(DEV_VARS, writeVar(before, name, value));
}

/** The key set in an operator's file (text), or null when there is no such file. */
export const readKeySetFile = (path) => (existsSync(path) ? readFileSync(path, "utf8") : null);

export const writeKeySetFile = (path, set) => writePrivate(path, `${JSON.stringify(set, null, 2)}\n`);

// Private keys: readable by their owner alone, an existing file included.
function writePrivate(path, text) {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}
