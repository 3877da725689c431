// `npm run db:normalize-usernames [-- --remote] [--env production] [--persist-to DIR]`: after the
// migrations, NFKC-normalises the usernames written before 0002_username_key and gives them their
// case-folded key (SQL could only lower() ASCII). Idempotent; run by `npm run dev` and `npm run deploy`.
// Two accounts that would then share a name are not merged: the command lists them and fails.
import { parseArgs } from "node:util";
import { sqlString } from "./superuser-sql.ts";
import { usernameChanges } from "./username-changes.ts";
import { D1CommandError, d1Execute } from "./wrangler-d1.mjs";

const { values: options } = parseArgs({
  options: { remote: { type: "boolean", default: false }, env: { type: "string" }, "persist-to": { type: "string" } },
});
const d1 = (sql) => d1Execute(sql, { remote: options.remote, env: options.env, persistTo: options["persist-to"] });

try {
  // Only names with a character beyond printable ASCII can differ from what migration 0002 computed.
  const rows = d1(
    "SELECT id, username, username_key FROM users WHERE username GLOB '*[^ -~]*' OR username_key GLOB '*[^ -~]*'",
  );
  const changes = usernameChanges(rows);
  const clashes = [];
  for (const change of changes) {
    try {
      d1(
        `UPDATE users SET username = ${sqlString(change.username)}, username_key = ${sqlString(change.key)} WHERE id = ${change.id}`,
      );
    } catch (error) {
      if (!(error instanceof D1CommandError) || !/UNIQUE/.test(error.message)) throw error;
      clashes.push(`"${change.from}" (id ${change.id}) would become "${change.username}", which another account has`);
    }
  }
  if (clashes.length > 0) {
    console.error(
      `Usernames not normalised, rename one account of each pair and run this again:\n  ${clashes.join("\n  ")}`,
    );
    process.exit(1);
  }
  if (changes.length > 0) console.log(`Normalised ${changes.length} username(s) (NFKC, case-folded key).`);
} catch (error) {
  if (!(error instanceof D1CommandError)) throw error;
  console.error(error.message);
  process.exit(1);
}
