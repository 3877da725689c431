// Django's `createsuperuser` for the D1 database:
//   npm run createsuperuser -- --username admin --email admin@example.com [--remote] [--no-input]
// The password is prompted for (twice, hidden), or read from DJANGO_SUPERUSER_PASSWORD as Django does.
// Ctrl-C (or Ctrl-D) at a prompt answers "Operation cancelled." and exit code 1, as Django's does; so
// does Ctrl-C between prompts, though `npm run`'s sh, interrupted too, then exits 130.
// Validation, password rules and hashing are the API's own modules, so the account is exactly one
// that registration would have made, plus is_staff and is_superuser.
import { register } from "node:module";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { insertSuperuserSql, takenSql } from "./superuser-sql.ts";
import { D1CommandError, d1Execute } from "./wrangler-d1.mjs";

register("./resolve-ts.mjs", import.meta.url);
const { registerBody } = await import("../src/schemas/users.ts");
const { passwordProblems } = await import("../src/services/password-policy.ts");
const { hashPassword } = await import("../src/services/passwords.ts");

const PASSWORD_VARIABLE = "DJANGO_SUPERUSER_PASSWORD";

class CommandError extends Error {}

/** Django's KeyboardInterrupt handling: "Operation cancelled." on a line of its own, exit code 1. */
function cancel({ lineEnded = false } = {}) {
  process.stderr.write(`${lineEnded ? "" : "\n"}Operation cancelled.\n`);
  process.exit(1);
}
// Between prompts the terminal turns Ctrl-C into SIGINT; at a prompt, raw mode hands it over as "\u0003".
process.on("SIGINT", cancel);

const { values: options } = parseArgs({
  options: {
    username: { type: "string" },
    email: { type: "string" },
    remote: { type: "boolean", default: false },
    "no-input": { type: "boolean", default: false },
    noinput: { type: "boolean", default: false },
    // Passed on to wrangler: another local state directory, or a named environment's database.
    "persist-to": { type: "string" },
    env: { type: "string" },
  },
});
// PERSIST_TO in the environment stands for --persist-to: `npm run test:readme` points the walkthroughs'
// createsuperuser command (docs/administration.md) at its server's state directory that way.
const persistTo = options["persist-to"] ?? (process.env.PERSIST_TO || undefined);
const interactive = process.stdin.isTTY && !options["no-input"] && !options.noinput;

const d1 = (sql) => d1Execute(sql, { remote: options.remote, persistTo, env: options.env, onInterrupt: cancel });

async function ask(question) {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const controller = new AbortController();
  // Ctrl-D on an empty line closes the prompt: nothing more will come, so that cancels too.
  rl.on("close", () => controller.abort());
  try {
    return await rl.question(question, { signal: controller.signal });
  } catch (error) {
    // Ctrl-C: readline/promises rejects the question, having ended the line itself.
    if (error?.name === "AbortError") cancel({ lineEnded: true });
    throw error;
  } finally {
    rl.close();
  }
}

/** Reads a line without echoing it (raw mode), as getpass does. */
function askHidden(question) {
  return new Promise((resolve) => {
    const { stdin, stdout } = process;
    let value = "";
    const finish = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    const onData = (chunk) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") {
          finish();
          stdout.write("\n");
          return resolve(value);
        }
        if (ch === "\u0003" || ch === "\u0004") {
          finish();
          return cancel();
        }
        value = ch === "\u007f" || ch === "\b" ? value.slice(0, -1) : value + ch;
      }
    };
    stdout.write(question);
    stdin.setRawMode(true);
    stdin.setEncoding("utf8");
    stdin.resume();
    stdin.on("data", onData);
  });
}

/** Django's createsuperuser wording for a field the registration schema refused. */
function djangoMessage(issue) {
  const field = issue.path.join(".");
  if (issue.code === "too_small") return `Error (${field}): This field cannot be blank.`;
  if (issue.code === "too_big") return `Error (${field}): Ensure this value has at most ${issue.maximum} characters.`;
  if (issue.code === "invalid_format" && issue.format === "email")
    return `Error (${field}): Enter a valid email address.`;
  return `Error (${field}): ${issue.message}`; // the username rule carries Django's own message
}

async function readAccount() {
  const username = options.username ?? (interactive ? await ask("Username: ") : undefined);
  if (username === undefined) throw new CommandError("You must use --username with --no-input.");
  const email = options.email ?? (interactive ? await ask("Email address: ") : "");
  const parsed = registerBody.pick({ username: true, email: true }).safeParse({ username, email });
  if (!parsed.success) throw new CommandError(parsed.error.issues.map(djangoMessage).join("\n"));
  return parsed.data;
}

async function readPassword(username) {
  const fromEnv = process.env[PASSWORD_VARIABLE];
  if (fromEnv !== undefined || !interactive) {
    if (!fromEnv)
      throw new CommandError(`Set ${PASSWORD_VARIABLE}, or run interactively to be asked for the password.`);
    const problems = passwordProblems(fromEnv, username);
    if (problems.length > 0) throw new CommandError(problems.join("\n"));
    return fromEnv;
  }
  for (;;) {
    const password = await askHidden("Password: ");
    if ((await askHidden("Password (again): ")) !== password) {
      console.error("Error: Your passwords didn't match.");
      continue;
    }
    if (password.trim() === "") {
      console.error("Error: Blank passwords aren't allowed.");
      continue;
    }
    const problems = passwordProblems(password, username);
    if (problems.length === 0) return password;
    console.error(problems.join("\n"));
    const bypass = await ask("Bypass password validation and create user anyway? [y/N]: ");
    if (bypass.trim().toLowerCase() === "y") return password;
  }
}

try {
  const { username, email } = await readAccount();
  // Asked before the password, as Django does, so nobody types one for a name that is taken.
  const taken = d1(takenSql(username, email))[0];
  if (taken?.username) throw new CommandError("Error: That username is already taken.");
  if (taken?.email) throw new CommandError("Error: That email is already taken.");
  const password = await readPassword(username);
  const passwordHash = await hashPassword(password);
  const created = d1(insertSuperuserSql({ username, email, passwordHash, dateJoined: new Date() }));
  if (created.length === 0) throw new CommandError("Error: That username or email has just been taken.");
  console.log(`Superuser created successfully (${options.remote ? "remote" : "local"} D1, id ${created[0].id}).`);
} catch (error) {
  if (!(error instanceof CommandError) && !(error instanceof D1CommandError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
