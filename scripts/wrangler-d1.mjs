// `wrangler d1 execute` on the DB binding, for the Node-side tools (createsuperuser, the username
// normalisation): local by default, or --remote, another --persist-to state, a named --env.
import { execFileSync } from "node:child_process";

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
