// The real-browser test (`npm run test:browser`, run by .ci/run): Debian's Chromium, driven by
// playwright-core, loads a tiny SPA from a static server on a free port that calls the API served by
// `npm run dev` on another free port — a different origin, so every call depends on CORS (the API is
// started with that origin in CORS_ALLOWED_ORIGINS). Then it renders the interactive docs.
// Screenshots go to test/artifacts/.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { chromium } from "playwright-core";
import { ROOT, startDevServer } from "../e2e/dev-server.mjs";
import { serveDocsAssets } from "./docs-assets.mjs";
import { serveStatic } from "./static-server.mjs";

const CHROMIUM = "/usr/bin/chromium";
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

async function spaFlow(context, spa, api) {
  const page = await context.newPage();
  await page.goto(`${spa}/?api=${encodeURIComponent(api)}`);
  check((await page.evaluate(() => location.origin)) !== api, "the SPA runs on another origin than the API");
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

async function docsPage(context, api) {
  const document = await (await fetch(`${api}/api/schema/`)).json();
  const validation = await new Validator().validate(document);
  const errors = validation.valid ? "" : JSON.stringify(validation.errors);
  check(validation.valid, "the served /api/schema/ passes @seriousme/openapi-schema-validator", errors);
  const operations = Object.values(document.paths).flatMap((item) => Object.keys(item)).length;

  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  const assets = await serveDocsAssets(page);
  await page.goto(`${api}/api/docs/`);
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
  const { url: spa, stop } = await serveStatic(join(ROOT, "test/browser/spa"));
  cleanups.push(stop);
  const api = await startDevServer({ state: STATE, vars: { CORS_ALLOWED_ORIGINS: spa } });
  cleanups.push(api.stop);
  console.log(`  SPA on ${spa}, API on ${api.url}`);
  const browser = await launchChromium();
  cleanups.push(browser.close);
  await spaFlow(browser.context, spa, api.url);
  await docsPage(browser.context, api.url);
  console.log(`browser: ${passed} passed, 0 failed`);
} catch (e) {
  console.error(e.message);
  console.log(`browser: ${passed} passed, 1 failed`);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}
