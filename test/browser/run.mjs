// The real-browser test (`npm run test:browser`, run by .ci/run): Debian's Chromium, driven by
// playwright-core, loads a tiny SPA from http://localhost:5173 that calls the API served by
// `npm run dev` on http://localhost:8787 — a different origin, so every call depends on CORS. Then it
// renders the interactive docs. Screenshots go to test/artifacts/.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Validator } from "@seriousme/openapi-schema-validator";
import { chromium } from "playwright-core";
import { API, startDevServer } from "../e2e/dev-server.mjs";
import { serveDocsAssets } from "./docs-assets.mjs";
import { serveStatic } from "./static-server.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const SPA_PORT = 5173;
const ARTIFACTS = join(ROOT, "test/artifacts");
// Fresh local storage (D1, Durable Objects) every run: the throttles count per address and
// wrangler dev sees every request come from 127.0.0.1, so yesterday's runs must not count.
const STATE = join(ROOT, ".wrangler/browser-test-state");

let passed = 0;
function check(condition, message, detail = "") {
  if (!condition) throw new Error(`${message} ${detail}`);
  passed++;
  console.log(`  ok - ${message}${detail ? `: ${detail}` : ""}`);
}

function run(command, args, options = {}) {
  const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], ...options });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const done = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, done, log: () => log };
}

async function startApi() {
  await rm(STATE, { recursive: true, force: true });
  const migrate = run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE], {
    env: { ...process.env, CI: "true" },
  });
  if ((await migrate.done) !== 0) throw new Error(`migrations failed:\n${migrate.log()}`);
  return startDevServer(["--persist-to", STATE]);
}

async function launchChromium() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  const profile = await mkdtemp(join(tmpdir(), "chromium-profile-"));
  // launchPersistentContext is how Playwright takes --user-data-dir: a fresh, empty profile each run.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return { context, close: async () => (await context.close(), await rm(profile, { recursive: true, force: true })) };
}

async function spaFlow(context) {
  const page = await context.newPage();
  await page.goto(`http://localhost:${SPA_PORT}/?api=${encodeURIComponent(API)}`);
  check((await page.evaluate(() => location.origin)) !== API, "the SPA runs on another origin than the API");
  const steps = ["register", "login", "add-tasks", "list-tasks", "refresh", "throttle"];
  for (const step of steps) {
    await page.click(`#${step}`);
    const line = page.locator(`li[data-step="${step}"]`);
    await line.waitFor({ timeout: 30_000 });
    check((await line.getAttribute("data-ok")) === "true", step, await line.textContent());
  }
  const exposed = page.locator('li[data-step="exposed"]');
  const exposedOk = (await exposed.getAttribute("data-ok")) === "true";
  check(exposedOk, "only exposed headers are readable", await exposed.textContent());
  const screenshot = join(ARTIFACTS, "browser-spa.png");
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`  screenshot: ${screenshot}`);
  await page.close();
}

async function docsPage(context) {
  const document = await (await fetch(`${API}/api/schema/`)).json();
  const validation = await new Validator().validate(document);
  const errors = validation.valid ? "" : JSON.stringify(validation.errors);
  check(validation.valid, "the served /api/schema/ passes @seriousme/openapi-schema-validator", errors);
  const operations = Object.values(document.paths).flatMap((item) => Object.keys(item)).length;

  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  const assets = await serveDocsAssets(page);
  await page.goto(`${API}/api/docs/`);
  await page.locator(".opblock").nth(operations - 1).waitFor({ timeout: 30_000 });
  const loadsOnly = `the page loads nothing but the API and Swagger UI ${assets.version}`;
  check(assets.refused.length === 0, loadsOnly, assets.refused.join(" "));
  check((await page.locator(".opblock").count()) === operations, `Swagger UI renders all ${operations} operations`);
  await page.locator(".opblock-summary").first().click();
  await page.locator(".opblock.is-open .opblock-body").first().waitFor();
  check(problems.length === 0, "the docs page runs without console errors (CSP included)", problems.join("\n"));
  // The first screen (the opened POST /api/token/), and the whole page.
  for (const [name, fullPage] of [["api-docs.png", false], ["api-docs-full.png", true]]) {
    await page.screenshot({ path: join(ARTIFACTS, name), fullPage });
    console.log(`  screenshot: ${join(ARTIFACTS, name)}`);
  }
  await page.close();
}

const cleanups = [];
try {
  await mkdir(ARTIFACTS, { recursive: true });
  cleanups.push(await startApi());
  cleanups.push(await serveStatic(join(ROOT, "test/browser/spa"), SPA_PORT));
  const browser = await launchChromium();
  cleanups.push(browser.close);
  await spaFlow(browser.context);
  await docsPage(browser.context);
  console.log(`browser: ${passed} passed, 0 failed`);
} catch (e) {
  console.error(e.message);
  console.log(`browser: ${passed} passed, 1 failed`);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}
