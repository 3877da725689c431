// `npm run test:readme` (run by .ci/run): the documentation's walkthroughs, run exactly as written —
// README.md and every page of docs/ — after a check of the links between them.
//
// Links (test/e2e/doc-links.ts), checked first: a relative link must name a file that exists and, into
// a Markdown file, an anchor that is one of its headings (GitHub's anchors); every page of docs/ must be
// reachable from README.md through such links. Any broken or unreachable page fails the test at once.
//
// Which blocks run: fenced shell blocks whose info string says `tested` (```sh tested), top to bottom.
// Blocks without it (the quick start, deployment, anything that needs a login or a browser) are
// listed and skipped. The pages run in the order a reader meets them: README.md, then the pages in
// the order README.md first links them (its map links every page; see readingOrder).
//
// One server serves all the pages, so its state carries over: a page registers users no other page
// registers (a taken username fails the walkthrough here as it would for a reader). But each page runs
// in a bash session of its own, so no variable carries over from one page to the next and every page
// stands on its own (registers its users, keeps its own tokens): a reader can follow any page alone.
// Within a page, variables set in one block carry over to the next.
//
// What each command must answer: every `curl` goes through a shell function (readme-session.sh) that
// records its HTTP status. A command's expected status is the `→ NNN` of the comment at the end of its
// last line, or of a comment line right below it (before any blank line or other command):
//
//     curl -s http://localhost:8787/api/tasks/1/ -H "Authorization: Bearer $BOB"
//     # → 404 {"detail": "No Task matches the given query."}
//
// Where none is stated, any 2xx is expected. Every curl of the command must answer that status, a
// command that states one must make a request, and every command must exit 0 (bash runs with
// pipefail). The first command that does otherwise fails the test.
//
// Where files go: a reader follows the walkthroughs in their checkout, so a walkthrough must write its
// files under a directory of its own (`TMP=$(mktemp -d)`), never into the current directory. The
// commands run in an empty scratch directory under .wrangler/ (inside the checkout, so `npm run` works)
// with TMPDIR pointing into the scratch; a page that leaves a file in the current directory fails.
//
// The server is `npm run dev` on a free port with an empty state directory (users and throttles start
// from nothing); `localhost:8787` in the blocks is rewritten to that port, and PERSIST_TO points
// `npm run createsuperuser` at the same state.
//
//     npm run test:readme                        # the links, then every page's walkthroughs
//     npm run test:readme -- docs/resources.md   # the links, then only the pages named
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { ROOT, startDevServer } from "./dev-server.mjs";
import { brokenLinks, readingOrder } from "./doc-links.ts";

const README = "README.md";
const DOCS = "docs";
const SESSION = join(ROOT, "test/e2e/readme-session.sh");
const SHELLS = new Set(["sh", "bash", "shell"]);
const MARK = "\x1e"; // starts the lines the shell helpers write for this runner
const TIMEOUT_MS = 5 * 60_000;

/** The shell blocks of a Markdown page, with their page, section and line numbers. */
function shellBlocks(file, markdown) {
  const blocks = [];
  let section = "";
  let block = null;
  markdown.split("\n").forEach((line, index) => {
    const fence = /^\s*```(\S*)(.*)$/.exec(line);
    if (block && fence && !fence[1] && !fence[2].trim()) {
      blocks.push(block);
      block = null;
    } else if (block) {
      block.lines.push({ text: line, number: index + 1 });
    } else if (fence) {
      const tested = fence[2].trim().split(/\s+/).includes("tested");
      block = { file, section, language: fence[1], tested, line: index + 1, lines: [] };
    } else if (/^#{1,6} /.test(line)) {
      section = line.replace(/^#+ /, "");
    }
  });
  return blocks.filter((b) => SHELLS.has(b.language));
}

/** Splits a line at its comment (a `#` outside quotes that starts a word); tracks open quotes. */
function scan(line, quote) {
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote === "'") {
      if (ch === "'") quote = null;
    } else if (ch === "\\") i++;
    else if (quote === '"') {
      if (ch === '"') quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "#" && (i === 0 || /\s/.test(line[i - 1])))
      return { code: line.slice(0, i), comment: line.slice(i), quote };
  }
  return { code: line, comment: "", quote };
}

const statusIn = (comment) => /(?:→|->)\s*(\d{3})\b/.exec(comment)?.[1];

/** The commands of a block: continued lines joined, each with the status its comments state. */
function commands(block) {
  const found = [];
  let current = null; // the command being read (continuation lines, open quotes)
  let last = null; // the command a `# → NNN` line below would belong to
  for (const { text, number } of block.lines) {
    if (current) {
      const { code, comment, quote } = scan(text, current.quote);
      current.lines.push(text);
      current.quote = quote;
      if (quote || /\\$/.test(code.trimEnd())) continue;
      current.expect = statusIn(comment);
      found.push((last = current));
      current = null;
    } else if (/^\s*$/.test(text)) {
      last = null;
    } else if (/^\s*#/.test(text)) {
      const status = statusIn(text);
      if (status && !last)
        throw new Error(`${block.file}:${number}: "→ ${status}" follows no command (put it right below one)`);
      if (status && last.expect && last.expect !== status)
        throw new Error(`${block.file}:${number}: a second status for one command`);
      if (status) last.expect = status;
    } else {
      const { code, comment, quote } = scan(text, null);
      const command = { block, line: number, lines: [text], quote };
      if (quote || /\\$/.test(code.trimEnd())) current = command;
      else found.push((last = Object.assign(command, { expect: statusIn(comment) })));
    }
  }
  if (current) throw new Error(`${block.file}:${current.line}: a command that never ends (open quote or trailing \\)`);
  return found;
}

/** The session: the helpers, then each command between `__begin <n> <status>` and `__end $?`. */
function script(steps, port) {
  const body = steps
    .map((step, i) => [`__begin ${i} ${step.expect ?? ""}`, ...step.lines, "__end $?"].join("\n"))
    .join("\n")
    .replaceAll(/(localhost|127\.0\.0\.1):8787\b/g, `$1:${port}`);
  return `source '${SESSION}'\n${body}\nrm -f "$__calls" "$__body"\n`;
}

/** Runs the script in bash and prints each command, its output and its statuses as they come. */
function runSession(steps, file, { cwd, env }) {
  const bash = spawn("bash", ["--noprofile", "--norc", file], { cwd, env, stdio: ["ignore", "pipe", "inherit"] });
  const timer = setTimeout(() => bash.kill("SIGKILL"), TIMEOUT_MS);
  const result = { requests: 0, failure: null, step: null };
  let pending = "";
  let section = null;
  let printed = new Set(); // the current command's output, so a refused answer's body is not shown twice
  const show = (line) => {
    if (!line.startsWith(MARK)) {
      if (line) console.log(`      ${line.length > 240 ? `${line.slice(0, 240)}…` : line}`);
      printed.add(line);
      return;
    }
    const [kind, ...rest] = line.slice(1).split(" "); // the marked lines the session writes
    const detail = rest.join(" ");
    if (kind === "BEGIN") {
      const step = (result.step = steps[Number(detail)]);
      printed = new Set();
      if (step.block !== section) {
        section = step.block;
        console.log(`\n## ${section.section} (${section.file}:${section.line})`);
      }
      console.log(`$ ${step.lines.join("\n")}`);
    } else if (kind === "CALL") {
      result.requests++;
      const [code, method, url] = rest;
      console.log(`    → ${code} ${method} ${new URL(url).pathname}`);
    } else if (kind === "BODY") {
      if (!printed.has(detail)) console.log(`      ${detail}`);
    } else if (kind === "FAIL") {
      result.failure = detail;
    }
  };
  bash.stdout.setEncoding("utf8").on("data", (chunk) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop();
    // A response body without a final newline runs into the next marked line.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: \x1e is the marker the bash session writes.
    for (const line of lines) line.split(/(?=\x1e)/).forEach(show);
  });
  return new Promise((resolve) =>
    bash.on("exit", (code, signal) => {
      clearTimeout(timer);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: \x1e is the marker the bash session writes.
      if (pending) pending.split(/(?=\x1e)/).forEach(show);
      if (code !== 0 && !result.failure) result.failure = signal ? `timed out (${signal})` : `bash exited with ${code}`;
      resolve(result);
    }),
  );
}

function requireTools() {
  const missing = ["bash", "curl", "jq"].filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
  if (missing.length)
    throw new Error(`the walkthroughs need ${missing.join(" and ")}: apt-get install ${missing.join(" ")}`);
}

/** README.md and every Markdown page of docs/, by path from the root. */
async function readPages() {
  const docs = (await readdir(join(ROOT, DOCS))).filter((name) => name.endsWith(".md")).sort();
  const files = [README, ...docs.map((name) => `${DOCS}/${name}`)];
  return new Map(await Promise.all(files.map(async (file) => [file, await readFile(join(ROOT, file), "utf8")])));
}

/** Broken links and pages of docs/ that README.md does not lead to; the reading order otherwise. */
function checkLinks(pages) {
  const problems = brokenLinks(pages, (path) => existsSync(join(ROOT, path)));
  const order = readingOrder(pages, README);
  for (const file of pages.keys())
    if (!order.includes(file))
      problems.push(`${file}: no link leads to it from ${README} (add it to the map of docs/)`);
  if (problems.length) throw new Error(`broken links between the pages:\n  ${problems.join("\n  ")}`);
  return order;
}

/** The pages to run: those named on the command line (default all), in reading order. */
function pagesToRun(order, args) {
  if (args.length === 0) return order;
  const named = args.map((arg) => relative(ROOT, join(process.cwd(), arg)).replaceAll("\\", "/"));
  const unknown = named.filter((file) => !order.includes(file));
  if (unknown.length) throw new Error(`not a page of the documentation: ${unknown.join(", ")}`);
  return order.filter((file) => named.includes(file));
}

let server = null;
let scratch = null;
try {
  requireTools();
  const pages = await readPages();
  const order = checkLinks(pages);
  console.log(`readme: ${pages.size} pages, every link between them resolves, every page reachable from ${README}`);

  const runs = [];
  for (const file of pagesToRun(order, process.argv.slice(2))) {
    const blocks = shellBlocks(file, pages.get(file));
    const tested = blocks.filter((b) => b.tested);
    const skipped = new Map();
    for (const b of blocks.filter((b) => !b.tested))
      skipped.set(b.section, [...(skipped.get(b.section) ?? []), `:${b.line}`]);
    const notRun = [...skipped].map(([section, lines]) => `${section} (${lines.join(" ")})`);
    console.log(`readme: ${file}: ${tested.length} tested blocks; not run: ${notRun.join(", ") || "none"}`);
    if (tested.length) runs.push({ file, steps: tested.flatMap(commands) });
  }
  if (!runs.some((run) => run.file === README) && process.argv.length <= 2)
    throw new Error(`${README} has no \`\`\`sh tested block`);

  await mkdir(join(ROOT, ".wrangler"), { recursive: true });
  scratch = await mkdtemp(join(ROOT, ".wrangler/readme-test-"));
  const cwd = join(scratch, "cwd");
  const tmp = join(scratch, "tmp");
  await Promise.all([mkdir(cwd), mkdir(tmp)]);
  server = await startDevServer({ state: join(scratch, "state") });
  console.log(`readme: npm run dev on ${server.url} (state ${server.state})`);
  const port = new URL(server.url).port;
  let commandCount = 0;
  let requests = 0;
  for (const [index, { file, steps }] of runs.entries()) {
    console.log(`\n# ${file}: a new bash session`);
    const session = join(scratch, `session-${index}.sh`);
    await writeFile(session, script(steps, port));
    const result = await runSession(steps, session, {
      cwd,
      env: { ...process.env, PERSIST_TO: server.state, TMPDIR: tmp },
    });
    if (result.failure) {
      const at = result.step ? `${file}:${result.step.line} (${result.step.block.section})` : file;
      const log = server.log().trim().split("\n").slice(-30).join("\n");
      throw new Error(`${at}: ${result.failure}\n\nlast lines of npm run dev:\n${log}`);
    }
    const left = await readdir(cwd);
    if (left.length)
      throw new Error(
        `${file}: the walkthrough wrote ${left.join(", ")} into the reader's current directory: write under a directory of its own (TMP=$(mktemp -d))`,
      );
    commandCount += steps.length;
    requests += result.requests;
  }
  console.log(
    `\nreadme: ${runs.length} pages, ${commandCount} commands, ${requests} requests, every status as the pages say`,
  );
} catch (e) {
  console.error(`\nreadme: FAILED ${e.message}`);
  process.exitCode = 1;
} finally {
  await server?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
}
