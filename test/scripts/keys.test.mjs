// `npm run keys` as an operator runs it: a Node process on a key-set file of its own, judged by its
// exit status, what it says and what it leaves in the file.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect, it } from "vitest";

const KEYS = fileURLToPath(new URL("../../scripts/keys.mjs", import.meta.url));

let directory;
let file;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "edge-drf-api-keys-"));
  file = join(directory, "keys.json");
});
afterEach(() => rm(directory, { recursive: true, force: true }));

/** `npm run keys -- <args> --file <file>`: its exit status and output. */
const keys = (...args) =>
  new Promise((resolve) => {
    execFile(process.execPath, [KEYS, ...args, "--file", file], (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });

const nextKid = async () => JSON.parse(await readFile(file, "utf8")).keys.find((key) => key.state === "next").kid;

it("refuses a second rotation while the next key is younger than the JWKS cache, unless --force", async () => {
  expect((await keys("init", "--algorithm", "ES256")).code).toBe(0);
  // init's next key was published with the current one: it may sign at once.
  expect((await keys("rotate", "--algorithm", "ES256")).code).toBe(0);
  const staged = await nextKid();
  const written = await readFile(file, "utf8");

  const refused = await keys("rotate", "--algorithm", "ES256");
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(
    new RegExp(
      `^The next key ${staged} was added at \\S+Z, and a next key becomes current only once it has been published ` +
        "for 10 minutes .*: rotate from \\S+Z \\(in \\d+ min\\), or now with --force",
    ),
  );
  expect(await readFile(file, "utf8")).toBe(written);

  const forced = await keys("rotate", "--algorithm", "ES256", "--force");
  expect(forced.code).toBe(0);
  expect(forced.stdout).toContain(`${staged} (ES256) now signs.`);
  expect(forced.stderr).toMatch(new RegExp(`^Warning: ${staged} signs before it has been published for 10 minutes`));
}, 60_000);
