// `wrangler d1 execute` on the DB binding, for the Node-side tools (createsuperuser, the username
// normalisation): local by default, or --remote, another --persist-to state, a named --env. And
// `wrangler d1 migrations apply` on the local database, for `npm run dev`.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";

const MIGRATIONS = new URL("../migrations/", import.meta.url);

/** wrangler refused the SQL or could not reach the database: `message` says why, for the user. */
export class D1CommandError extends Error {}

/**
 * Runs `sql` and returns the rows of its last statement. `onInterrupt` runs if Ctrl-C stopped
 * wrangler (it gets the SIGINT too: one process group).
 */
export function d1Execute(sql, { remote = false, persistTo, env, onInterrupt } = {}) {
  const args = ["wrangler", "d1", "execute", "DB", remote ? "--remote" : "--local", "--json", "--command", sql];
  if (persistTo) args.push("--persist-to", persistTo);
  if (env) args.push("--env", env);
  let output;
  try {
    // No shell: the SQL reaches wrangler as one argument, whatever it contains.
    output = execFileSync("npx", args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "true" },
    });
  } catch (error) {
    if ((error.signal === "SIGINT" || error.status === 130) && onInterrupt) onInterrupt();
    const text = JSON.parse(error.stdout || "{}").error?.text ?? error.stderr ?? error.message;
    const hint = /no such table/.test(text) ? " (apply the migrations first: npm run db:migrate:local)" : "";
    throw new D1CommandError(`wrangler d1 execute failed: ${text}${hint}`);
  }
  return JSON.parse(output).at(-1).results;
}

/**
 * Applies the migrations the local D1 (or the one under `persistTo`) has not had yet; returns their
 * names. wrangler prints a table of every migration after each one it applies, so its output is kept
 * for a failure (in the error's message) and the caller names each migration once.
 */
export function applyLocalMigrations({ persistTo } = {}) {
  const args = ["wrangler", "d1", "migrations", "apply", "DB", "--local"];
  if (persistTo) args.push("--persist-to", persistTo);
  let output;
  try {
    output = execFileSync("npx", args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      // CI: never wait for the "apply N migrations?" confirmation. WRANGLER_LOG: its tables, at the "log"
      // level, are what names the migrations applied.
      env: { ...process.env, CI: "true", WRANGLER_LOG: "log" },
    });
  } catch (error) {
    throw new D1CommandError(`wrangler d1 migrations apply failed:\n${error.stdout ?? error.message}`);
  }
  return readdirSync(MIGRATIONS)
    .filter((name) => name.endsWith(".sql") && output.includes(name))
    .sort();
}
