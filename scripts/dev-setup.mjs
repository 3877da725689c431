// `npm run dev` runs this first: a local signing key set if there is none, and the local D1 brought up to date.
// PERSIST_TO in the environment names another local state directory (wrangler's --persist-to) to bring up
// to date instead of .wrangler/state: the end-to-end tests' dev servers run on a state of their own.
import { execFileSync } from "node:child_process";
import { configuredAlgorithm, readLocalKeySet, rotation, writeLocalKeySet } from "./key-store.mjs";

if (readLocalKeySet() === null) {
  // Random per clone and never committed (.gitignore): a leaked dev token is useless anywhere else.
  const algorithm = await configuredAlgorithm();
  const replacedSecret = writeLocalKeySet(await rotation.initKeySet(algorithm));
  console.log(
    `Wrote a local ${algorithm} signing key set (JWT_SIGNING_KEYS) to .dev.vars` +
      (replacedSecret ? ", in place of JWT_SECRET, which is no longer read." : "."),
  );
}

const persistTo = process.env.PERSIST_TO ? ["--persist-to", process.env.PERSIST_TO] : [];

execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", ...persistTo], {
  stdio: "inherit",
  env: { ...process.env, CI: "true" }, // never wait for the "apply N migrations?" confirmation
});
// What SQL migrations cannot do: NFKC for usernames written before migration 0002.
execFileSync("node", [new URL("./normalize-usernames.mjs", import.meta.url).pathname, ...persistTo], {
  stdio: "inherit",
});
