// The real-browser test (`npm run test:browser`, run by .ci/run): Debian's Chromium, driven by
// playwright-core, loads a tiny SPA (spa/: TypeScript on the typed client, bundled by esbuild) from a
// static server on a free port that calls the API served by `npm run dev` on another free port — a
// different origin, so every call depends on CORS (the API is started with that origin, and only that
// one, in CORS_ALLOWED_ORIGINS). A second copy of the SPA on a third port plays a foreign page. Then
// it walks an account's recovery from the mailed links (the API's FRONTEND_URL is the SPA, the mail is
// read from the local outbox), turns a second factor on and logs in with it (a recovery code, then
// the next TOTP code the page computes), renders the interactive docs with nothing but the API
// reachable, authorizes and tries an endpoint, and walks the browsable API: log in through its box,
// create books through its HTML and raw data forms, see the 201s, change one through its PUT form. Screenshots go to test/artifacts/.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Secret, TOTP } from "otpauth";
import { chromium } from "playwright-core";
import { freePort, ROOT, startDevServer } from "../e2e/dev-server.mjs";
import { serveStatic } from "./static-server.mjs";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(ROOT, "test/artifacts");
// Fresh local storage (D1, Durable Objects) every run: the throttles count per address and
// wrangler dev sees every request come from 127.0.0.1, so yesterday's runs must not count.
const STATE = join(ROOT, ".wrangler/browser-test-state");
const BOOKMARK = "x-d1-bookmark";
/** The SPA's users' password (spa/app.ts), and the one a reset gives. */
const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "a lantern by the door";

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
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/**
 * A page's exchanges with the API as the network saw them, whatever the page's script was allowed
 * to read: each request's method, path and headers, and the API's status and headers — or, when no
 * answer reached the page, why (`failure`).
 */
function recordApiTraffic(page, api) {
  const exchanges = [];
  const find = (request) => exchanges.find((e) => e.request === request);
  page.on("request", (request) => {
    if (request.url().startsWith(`${api}/`))
      exchanges.push({ request, method: request.method(), path: new URL(request.url()).pathname });
  });
  page.on("response", async (response) => {
    const exchange = find(response.request());
    if (exchange) Object.assign(exchange, { status: response.status(), responseHeaders: await response.allHeaders() });
  });
  page.on("requestfailed", (request) => {
    const exchange = find(request);
    if (exchange) exchange.failure = request.failure()?.errorText;
  });
  return exchanges;
}

/** Clicks a step's button and waits for its line; returns the line (ok, text) and the API traffic it caused. */
async function runStep(page, traffic, step, timeout = 30_000) {
  const from = traffic.length;
  const lines = page.locator(`li[data-step="${step}"]`);
  const before = await lines.count();
  await page.click(`#${step}`);
  const line = lines.nth(before);
  await line.waitFor({ timeout });
  // Responses are reported asynchronously: let the last one land before the traffic is read.
  await page.waitForTimeout(100);
  const exchanges = await Promise.all(
    traffic.slice(from).map(async (e) => ({ ...e, requestHeaders: await e.request.allHeaders() })),
  );
  return { ok: (await line.getAttribute("data-ok")) === "true", text: await line.textContent(), exchanges };
}

/**
 * How many requests `npm run dev` has logged as answered (its `[wrangler:info] POST /path 403 …`
 * lines) — what the API itself saw, including what the browser then hid from the page.
 */
function answered(server, method, path, status = "") {
  const line = `[wrangler:info] ${method} ${path} ${status}`;
  return server
    .log()
    .split("\n")
    .filter((l) => l.startsWith(line)).length;
}

/** The API's log once `count()` has changed from `before` (or after 5 s, when it has not). */
async function settled(count, before) {
  for (const deadline = Date.now() + 5_000; count() === before && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return count();
}

const isPost = (path) => (e) => e.method === "POST" && e.path === path;
const isGet = (path) => (e) => e.method === "GET" && e.path === path;

async function spaFlow(context, spa, foreign, server) {
  const api = server.url;
  const page = await context.newPage();
  const traffic = recordApiTraffic(page, api);
  await page.goto(`${spa}/`);
  check((await page.evaluate(() => location.origin)) !== api, "the SPA runs on another origin than the API");
  const step = async (name) => {
    const result = await runStep(page, traffic, name);
    check(result.ok, name, result.text);
    return result;
  };

  // Bearer mode: tokens in the JSON body, the access token in Authorization.
  for (const name of ["register", "login", "add-tasks", "list-tasks"]) await step(name);
  const { exchanges } = await step("create-then-list");
  const created = exchanges.find(isPost("/api/tasks/"));
  const listed = exchanges.find(isGet("/api/tasks/"));
  const written = created?.responseHeaders?.[BOOKMARK];
  check(
    written !== undefined && listed?.requestHeaders[BOOKMARK] === written,
    "on the wire, the list after the create carried the create's bookmark",
    `${BOOKMARK}: ${listed?.requestHeaders[BOOKMARK]}`,
  );
  await step("refresh");

  // Cookie mode: the refresh token only ever in the HttpOnly cookie.
  await step("cookie-login");
  const cookies = await context.cookies(api);
  const refresh = cookies.find((c) => c.name === "__Host-refresh");
  const attributes =
    refresh &&
    `HttpOnly ${refresh.httpOnly}, Secure ${refresh.secure}, SameSite ${refresh.sameSite}, path ${refresh.path}`;
  check(
    refresh?.httpOnly && refresh.secure && refresh.sameSite === "Strict",
    "the browser holds the refresh cookie",
    attributes,
  );
  await step("cookie-hidden");
  const visible = await page.evaluate(() => document.cookie);
  check(
    !visible.includes(refresh.value) && !visible.includes("__Host-refresh"),
    "document.cookie cannot see it",
    `"${visible}"`,
  );

  await page.reload();
  check((await page.locator("li").count()) === 0, "a reload starts the page over: no token in memory");
  const resumed = await step("cookie-resume");
  const resume = resumed.exchanges.find(isPost("/api/token/refresh/"));
  check(
    resume?.requestHeaders["content-type"] === "application/json" && !resume.request.postData()?.includes("refresh"),
    "it refreshed with the cookie alone",
    `body ${resume?.request.postData()}`,
  );

  await foreignPage(context, foreign, server);

  const forged = await step("forged-refresh");
  check(forged.text.includes("CSRF check failed"), "the allowed origin reads the 403 too");
  await step("cookie-resume"); // the foreign page's attempts used up nothing
  await step("cookie-logout");
  check(
    !(await context.cookies(api)).some((c) => c.name === "__Host-refresh"),
    "logging out cleared the refresh cookie",
  );

  await step("throttle");
  const exposed = page.locator('li[data-step="exposed"]');
  check(
    (await exposed.getAttribute("data-ok")) === "true",
    "only exposed headers are readable",
    await exposed.textContent(),
  );
  const screenshot = join(ARTIFACTS, "browser-spa.png");
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`  screenshot: ${screenshot}`);
  await page.close();
}

/**
 * The same SPA served from an origin that is not in CORS_ALLOWED_ORIGINS. Both localhost ports are
 * one site, so the browser does send the SameSite=Strict cookie: what stops the page is CORS, the
 * custom header (which needs a preflight the API does not grant) and the API's Origin check.
 */
async function foreignPage(context, foreign, server) {
  const api = server.url;
  const page = await context.newPage();
  const traffic = recordApiTraffic(page, api);
  await page.goto(`${foreign}/`);

  const posts = () => answered(server, "POST", "/api/token/refresh/");
  const preflights = () => answered(server, "OPTIONS", "/api/token/refresh/");
  const [postsBefore, preflightsBefore] = [posts(), preflights()];
  const resume = await runStep(page, traffic, "cookie-resume");
  const asked = (await settled(preflights, preflightsBefore)) - preflightsBefore;
  check(
    !resume.ok && resume.text.includes("Failed to fetch") && asked === 1 && posts() === postsBefore,
    `a page on ${foreign} cannot refresh in cookie mode: its preflight is not granted, the POST never leaves`,
    `${resume.text}; the API answered ${asked} preflight, ${posts() - postsBefore} POST`,
  );

  const refused = () => answered(server, "POST", "/api/token/refresh/", "403");
  const refusedBefore = refused();
  const forged = await runStep(page, traffic, "forged-refresh");
  const sent = forged.exchanges.find(isPost("/api/token/refresh/"));
  const refusals = (await settled(refused, refusedBefore)) - refusedBefore;
  check(
    !forged.ok && forged.text.includes("Failed to fetch") && refusals === 1,
    "nor without the header: the API answers 403, and the browser hides even that from the page",
    `page: ${forged.text}; network: ${sent?.failure}; the API's log: ${refusals} × POST /api/token/refresh/ 403`,
  );
  const screenshot = join(ARTIFACTS, "browser-spa-foreign.png");
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`  screenshot: ${screenshot}`);
  await page.close();
}

/** The line a page reported for `step` (its first), once it is there. */
async function reported(page, step) {
  const line = page.locator(`li[data-step="${step}"]`).first();
  await line.waitFor({ timeout: 30_000 });
  return { ok: (await line.getAttribute("data-ok")) === "true", text: await line.textContent() };
}

/**
 * The link in the newest mail to `to` about `subject`, read from the dev server's local outbox as
 * `npm run outbox -- --json` prints it. Mail is written after the answer (waitUntil): ask again until
 * it is there, or 10 s have passed.
 */
async function mailedLink(server, to, subject) {
  const outbox = ["scripts/outbox.mjs", "--persist-to", server.state, "--to", to, "--json"];
  for (const deadline = Date.now() + 10_000; ; ) {
    const { stdout } = await promisify(execFile)(process.execPath, outbox, { cwd: ROOT });
    const mail = JSON.parse(stdout).findLast((m) => m.subject === subject);
    const link = mail?.text.match(/https?:\/\/\S+/)?.[0];
    if (link) return link;
    if (mail) throw new Error(`the mail "${subject}" to ${to} has no link:\n${mail.text}`);
    if (Date.now() > deadline) throw new Error(`no mail "${subject}" to ${to} in the outbox after 10 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Account recovery as an SPA ships it: register with an address, follow the mailed link to verify it,
 * forget the password, follow the mailed reset link, choose a new password and log in with it. Each
 * link is opened in a tab of its own, as from a mail client: the page has nothing but its address.
 */
async function recoveryFlow(context, spa, server) {
  const api = server.url;
  const home = await context.newPage();
  const traffic = recordApiTraffic(home, api);
  await home.goto(`${spa}/`);
  const registered = await runStep(home, traffic, "register");
  check(registered.ok, "register in the SPA with an address", registered.text);
  const address = `${await home.evaluate(() => sessionStorage.getItem("username"))}@example.com`;

  const verifyLink = new URL(await mailedLink(server, address, "Confirm your email address"));
  check(
    verifyLink.origin === spa && verifyLink.pathname === "/verify-email" && verifyLink.searchParams.has("key"),
    "the outbox holds a verification mail whose link is the SPA's /verify-email",
    `${verifyLink.origin}${verifyLink.pathname}?key=…`,
  );
  const verifyPage = await context.newPage();
  await verifyPage.goto(verifyLink.href);
  const verified = await reported(verifyPage, "verify-email");
  check(verified.ok, "the link's page (the SPA, by its history-API fallback) verifies the address", verified.text);
  check(
    verifyPage.url() === `${spa}/verify-email`,
    "and takes the key out of the address bar (history.replaceState)",
    verifyPage.url(),
  );
  await verifyPage.close();

  const forgot = await runStep(home, traffic, "forgot-password");
  check(forgot.ok, "forgot password", forgot.text);
  const resetLink = new URL(await mailedLink(server, address, "Reset your password"));
  const token = resetLink.searchParams.get("token");
  check(
    resetLink.origin === spa && resetLink.pathname === "/password-reset" && resetLink.searchParams.has("uid") && token,
    "the reset mail links to the SPA's /password-reset",
    `${resetLink.origin}${resetLink.pathname}?uid=…&token=…`,
  );
  const resetPage = await context.newPage();
  const resetTraffic = recordApiTraffic(resetPage, api);
  await resetPage.goto(resetLink.href);
  const form = resetPage.locator("#password-reset-form");
  await form.waitFor();
  check(
    resetPage.url() === `${spa}/password-reset` && (await resetPage.locator("#home").isHidden()),
    "its page shows a new-password form, the token already out of the address bar",
    resetPage.url(),
  );
  await form.locator('input[name="email"]').fill(address);
  await form.locator('input[name="new_password1"]').fill(NEW_PASSWORD);
  await form.locator('input[name="new_password2"]').fill(NEW_PASSWORD);
  await form.locator('button[type="submit"]').click();
  const reset = await reported(resetPage, "reset-password");
  check(reset.ok, "submit the form: the confirm", reset.text);
  const login = await reported(resetPage, "login-new-password");
  check(login.ok, "then the page logs in with the new password, by email", login.text);
  await resetPage.waitForTimeout(100);
  const confirm = resetTraffic.find(isPost("/api/password/reset/confirm/"));
  const confirmHeaders = await confirm?.request.allHeaders();
  const loginBody = resetTraffic.find(isPost("/api/token/"))?.request.postDataJSON();
  check(
    confirm?.status === 200 && confirmHeaders.referer === undefined && loginBody?.email === address,
    "on the wire: the confirm's 200, with no Referer (no-referrer), and the login by email",
    `POST /api/password/reset/confirm/ ${confirm?.status}, Referer: ${confirmHeaders?.referer}; POST /api/token/ {${Object.keys(loginBody ?? {}).join(", ")}}`,
  );

  const old = await fetch(`${api}/api/token/`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: address, password: PASSWORD }),
  });
  check(old.status === 401, "the old password no longer logs in", `POST /api/token/ → ${old.status}`);
  const screenshot = join(ARTIFACTS, "browser-spa-recovery.png");
  await resetPage.screenshot({ path: screenshot, fullPage: true });
  console.log(`  screenshot: ${screenshot}`);
  await resetPage.close();
  await home.close();
}

/**
 * A second factor, in a tab of its own (a new account): enrol and show the secret, confirm with the
 * code the page computes, log out, log in — a challenge and no token, its cookie HttpOnly — and answer
 * it with a recovery code; log out and in again and answer with the next TOTP code (the page waits
 * for its step: the confirm's code is spent). On the wire: the login's answer holds no token, and each
 * answer carried the __Host-mfa cookie, without which the ephemeral token answers nothing.
 */
async function mfaFlow(context, spa, server) {
  const api = server.url;
  const page = await context.newPage();
  const traffic = recordApiTraffic(page, api);
  await page.goto(`${spa}/`);
  const step = async (name, timeout) => {
    const result = await runStep(page, traffic, name, timeout);
    check(result.ok, name, result.text);
    return result;
  };
  await step("register");
  await step("login");

  await step("mfa-enrol");
  const secret = await page.locator("#mfa-secret").textContent();
  const uri = new URL(await page.locator("#mfa-uri").textContent());
  check(
    /^[A-Z2-7]{32}$/.test(secret) && uri.searchParams.get("secret") === secret && uri.searchParams.has("issuer"),
    "the page shows the secret and its key URI",
    `${uri.protocol}//${uri.host}${decodeURIComponent(uri.pathname)}?secret=…&issuer=${uri.searchParams.get("issuer")}`,
  );
  const confirmed = await step("mfa-confirm");
  const sent = confirmed.exchanges.find(isPost("/api/mfa/totp/confirm/")).request.postDataJSON().code;
  const now = Math.floor(Date.now() / 30_000);
  const stepOf = [now - 1, now].find(
    (s) => TOTP.generate({ secret: Secret.fromBase32(secret), digits: 6, period: 30, timestamp: s * 30_000 }) === sent,
  );
  check(stepOf !== undefined, "the page's code (Web Crypto) is otpauth's for the step", `${sent}, step ${stepOf}`);
  check(
    (await page.locator("#mfa-recovery-codes").textContent()).split(/\s+/).length === 10,
    "the page shows the ten recovery codes",
  );
  await step("mfa-logout");

  /** A password login that answers a challenge: the answer on the wire, and the cookie it set. */
  const login = async () => {
    const { exchanges } = await step("mfa-login");
    const answer = await exchanges.find(isPost("/api/token/")).request.response();
    const body = await answer.json();
    const cookie = (await context.cookies(api)).find((c) => c.name === "__Host-mfa");
    const visible = await page.evaluate(() => document.cookie);
    check(
      body.mfa_required === true && body.ephemeral_token && !("access" in body) && !("refresh" in body),
      "on the wire, the login's answer carried no token",
      `{${Object.keys(body).join(", ")}}`,
    );
    check(
      cookie?.httpOnly && cookie.secure && cookie.sameSite === "Strict" && !visible.includes("__Host-mfa"),
      "the browser holds the challenge's cookie, which document.cookie cannot see",
      `__Host-mfa: HttpOnly ${cookie?.httpOnly}, Secure ${cookie?.secure}, SameSite ${cookie?.sameSite}; document.cookie "${visible}"`,
    );
    return { token: body.ephemeral_token, cookie };
  };
  /** An answer's request carried the challenge's cookie, and the cookie went with the answer. */
  const carried = async (result, cookie, what) => {
    const answers = result.exchanges.filter(isPost("/api/mfa/verify/"));
    const sentCookies = answers.map((e) => e.requestHeaders.cookie ?? "");
    check(
      answers.length > 0 &&
        sentCookies.every((c) => c.split("; ").includes(`__Host-mfa=${cookie.value}`)) &&
        answers.at(-1).status === 200 &&
        !(await context.cookies(api)).some((c) => c.name === "__Host-mfa"),
      `on the wire, ${what} carried the __Host-mfa cookie; answered, it is cleared`,
      answers.map((e) => `POST /api/mfa/verify/ ${e.status}`).join(", "),
    );
  };

  const first = await login();
  // The ephemeral token alone, as if copied from the page or a log: no cookie, no answer.
  const stolen = await fetch(`${api}/api/mfa/verify/`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ephemeral_token: first.token, code: "000000" }),
  });
  const refusal = await stolen.json();
  check(
    stolen.status === 400 && "ephemeral_token" in refusal,
    "the ephemeral token without its cookie answers nothing",
    `POST /api/mfa/verify/ → ${stolen.status} ${JSON.stringify(refusal)}`,
  );
  await carried(await step("mfa-recovery"), first.cookie, "the answer with a recovery code");

  await step("mfa-logout");
  const second = await login();
  await carried(await step("mfa-totp", 45_000), second.cookie, "the answers with TOTP codes (the used one, the next)");

  const screenshot = join(ARTIFACTS, "browser-spa-mfa.png");
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`  screenshot: ${screenshot}`);
  await page.close();
}

/** A user of its own (and its password) and an access token, as Swagger UI's Authorize dialog takes it. */
async function accessToken(api) {
  const username = `docs${Date.now().toString(36)}`;
  const password = PASSWORD;
  const res = await fetch(`${api}/api/register/`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password, password_confirm: password }),
  });
  if (res.status !== 201) throw new Error(`POST /api/register/ → ${res.status} ${await res.text()}`);
  return { username, password, access: (await res.json()).access };
}

async function docsPage(context, api) {
  const document = await (await fetch(`${api}/api/schema/`)).json();
  const validation = await new Validator().validate(document);
  const errors = validation.valid ? "" : JSON.stringify(validation.errors);
  check(validation.valid, "the served /api/schema/ passes @seriousme/openapi-schema-validator", errors);
  const operations = Object.values(document.paths).flatMap((item) => Object.keys(item)).length;
  const { username, access } = await accessToken(api);

  // Offline: the network is the API's origin and nothing else.
  const { refused, lift } = await offline(context, api);
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  const assets = [];
  page.on("response", (r) => r.url().includes("/api/docs/assets/") && assets.push(r));

  await page.goto(`${api}/api/docs/`);
  await page
    .locator(".opblock")
    .nth(operations - 1)
    .waitFor({ timeout: 30_000 });
  check(refused.length === 0, "the docs page loads nothing but the API's origin", refused.join(" "));
  const served = await Promise.all(
    assets.map(
      async (r) => `${new URL(r.url()).pathname} ${r.status()} ${(await r.allHeaders())["x-content-type-options"]}`,
    ),
  );
  check(
    assets.length === 3 && assets.every((r) => r.status() === 200),
    "Swagger UI's script, styles and initializer come from the Worker's static assets",
    served.join(", "),
  );
  check((await page.locator(".opblock").count()) === operations, `Swagger UI renders all ${operations} operations`);
  // The first screen, with the first operation opened.
  await page.locator(".opblock-summary").first().click();
  await page.locator(".opblock.is-open .opblock-body").first().waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "api-docs.png") });
  await page.locator(".opblock-summary").first().click();

  // The padlock: none where no token is needed, open where one is until Authorize, then closed.
  const padlock = (method, path) =>
    page.locator(`.opblock-${method}:has(.opblock-summary-path[data-path="${path}"]) .authorization__btn`);
  const padlocks = async () =>
    Promise.all(
      [
        ["get", "/api/books/"],
        ["get", "/api/"],
        ["post", "/api/register/"],
        ["post", "/api/books/"],
        ["get", "/api/users/me/"],
      ].map(async ([method, path]) => {
        const button = padlock(method, path);
        return (await button.count()) === 0 ? "none" : await button.getAttribute("aria-label");
      }),
    );
  const before = await padlocks();
  const unlocked = "authorization button unlocked";
  check(
    before.join() === ["none", "none", "none", unlocked, unlocked].join(),
    "Swagger UI: no padlock on public operations, an open one where a token is needed",
    before.join(", "),
  );
  // Public, but a token sent is checked: its 401 says so.
  const books = page.locator(`.opblock-get:has(.opblock-summary-path[data-path="/api/books/"])`);
  await books.locator(".opblock-summary").click();
  const optional = books.locator(".response[data-code='401'] .response-col_description");
  await optional.waitFor();
  check(
    (await optional.textContent()).includes("No token is needed here"),
    "Swagger UI: a public operation's 401 says a token sent is checked",
  );
  await books.locator(".opblock-summary").click();

  // Authorize with a real access token, then Try it out on GET /api/users/me/.
  await page.locator(".auth-wrapper .authorize").click();
  const dialog = page.locator(".modal-ux");
  await dialog.locator("input").first().fill(access);
  await dialog.locator("button.authorize").click();
  await dialog.locator("button.btn-done").click();
  const after = await padlocks();
  const locked = "authorization button locked";
  check(
    after.join() === ["none", "none", "none", locked, locked].join(),
    "Swagger UI, authorized: the padlocks where a token is needed close, public operations still have none",
    after.join(", "),
  );
  const me = page.locator(`.opblock-get:has(.opblock-summary-path[data-path="/api/users/me/"])`);
  await me.locator(".opblock-summary").click();
  await me.locator("button.try-out__btn").click();
  await me.locator("button.execute").click();
  const answer = me.locator(".live-responses-table .response");
  await answer.waitFor({ timeout: 30_000 });
  const status = (await answer.locator(".response-col_status").textContent()).trim();
  const body = await answer.locator(".response-col_description pre").first().textContent();
  check(
    status === "200" && body.includes(`"username": "${username}"`),
    "Authorize, then Try it out: GET /api/users/me/",
    `${status} ${body.replace(/\s+/g, " ").slice(0, 80)}…`,
  );
  check(problems.length === 0, "the docs page runs without console errors (CSP included)", problems.join("\n"));
  await me.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, "api-docs-try-it-out.png") });
  await page.screenshot({ path: join(ARTIFACTS, "api-docs-full.png"), fullPage: true });
  for (const name of ["api-docs.png", "api-docs-try-it-out.png", "api-docs-full.png"]) {
    console.log(`  screenshot: ${join(ARTIFACTS, name)}`);
  }
  await page.close();
  await lift();
}

/** Blocks every origin but the API's, as if offline; returns what was refused and how to lift it. */
async function offline(context, api) {
  const refused = [];
  const elsewhere = (url) => url.origin !== api;
  await context.route(elsewhere, (route) => {
    refused.push(route.request().url());
    return route.abort();
  });
  return { refused, lift: () => context.unroute(elsewhere) };
}

/**
 * The browsable API, as a DRF user meets it: navigate to /api/books/, log in through the page's box,
 * create a book through the HTML form and another through the raw data form and see the 201s, find it
 * in the list, follow a link, change it through its PUT form, delete it, log out.
 */
async function browsableApi(context, api) {
  const { username, password } = await accessToken(api);
  const network = await offline(context, api);
  const page = await context.newPage();
  const traffic = recordApiTraffic(page, api);
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  const exchange = page.locator("#exchange");
  const status = exchange.locator(".status");

  const navigation = await page.goto(`${api}/api/books/`);
  const assets = traffic.filter((e) => e.path.startsWith("/api/browsable/"));
  check(
    navigation.status() === 200 &&
      navigation.headers()["content-type"].startsWith("text/html") &&
      (await page.locator("h1").textContent()) === "Every book" &&
      (await status.textContent()) === "HTTP 200 OK",
    "a browser's navigation to /api/books/ gets the browsable page",
    `${navigation.status()} ${navigation.headers()["content-type"]}`,
  );
  await page.waitForFunction(() => document.getElementById("auth-status")?.textContent === "Log in");
  check(
    assets.length === 2 && assets.every((e) => e.status === 200),
    "its script and styles come from the Worker's static assets",
    assets.map((e) => `${e.path} ${e.status}`).join(", "),
  );

  // Log in through the box: bearer mode, the token in sessionStorage, the page asks again with it.
  const loginFrom = traffic.length;
  await page.locator("#auth summary").click();
  await page.locator('#login input[name="username"]').fill(username);
  await page.locator('#login input[name="password"]').fill(password);
  await page.locator("#login button").click();
  await page.locator("#auth-status", { hasText: `Logged in: ${username}` }).waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => !document.body.classList.contains("busy"));
  await page.waitForTimeout(100);
  const afterLogin = await Promise.all(
    traffic.slice(loginFrom).map(async (e) => ({ ...e, requestHeaders: await e.request.allHeaders() })),
  );
  const login = afterLogin.find(isPost("/api/token/"));
  const again = afterLogin.find(isGet("/api/books/"));
  const stored = await page.evaluate(() => Object.keys(sessionStorage).sort().join(", "));
  check(
    login?.status === 200 &&
      login.requestHeaders["x-token-transport"] === undefined &&
      again?.requestHeaders.authorization?.startsWith("Bearer ") &&
      again.requestHeaders.cookie === undefined,
    "log in through the box: a token pair in bearer mode, then the page asks again with Authorization: Bearer",
    `POST /api/token/ ${login?.status}; sessionStorage: ${stored}`,
  );

  // Create a book through DRF's HTML form (the tab shown first): urlencoded, its title markup shown as text.
  const formTitle = `Formed <img src=x onerror="window.pwned=1"> ${Date.now()}`;
  check(
    (await page.locator("#tab-html-forms").getAttribute("aria-selected")) === "true" &&
      (await page.locator("#post-form").isVisible()) &&
      (await page.locator("#raw-data").isHidden()),
    "the HTML form is the tab shown first, the raw data form behind its tab",
  );
  const formFrom = traffic.length;
  await page.locator("#post-title").fill(formTitle);
  await page.locator("#post-author").fill("A. Form");
  await page.locator("#post-published_date").fill("2024-02-29");
  await page.screenshot({ path: join(ARTIFACTS, "browsable-api-html-form.png"), fullPage: true });
  await page.locator("#post-form button").click();
  await status.filter({ hasText: "HTTP 201 Created" }).waitFor({ timeout: 30_000 });
  await page.waitForTimeout(100);
  const formed = traffic.slice(formFrom).find(isPost("/api/books/"));
  const formHeaders = await formed?.request.allHeaders();
  const expected = new URLSearchParams({
    title: formTitle,
    author: "A. Form",
    published_date: "2024-02-29",
    isbn: "",
    description: "",
  });
  check(
    formed?.status === 201 &&
      formHeaders?.authorization?.startsWith("Bearer ") &&
      formHeaders["content-type"]?.startsWith("application/x-www-form-urlencoded") &&
      formHeaders.cookie === undefined &&
      formed.request.postData() === expected.toString() &&
      (await exchange.locator(".response").textContent()).includes(JSON.stringify(formTitle).slice(1, -1)) &&
      (await exchange.locator("img").count()) === 0 &&
      (await page.evaluate(() => window.pwned)) === undefined,
    "create a book through the HTML form: urlencoded with the bearer token, the 201 and the title as text",
    `${formHeaders?.["content-type"]} ${formed?.request.postData()?.slice(0, 40)}… → ${await status.textContent()}`,
  );
  await page.screenshot({ path: join(ARTIFACTS, "browsable-api-form-created.png"), fullPage: true });

  // The raw data tab, reached from the keyboard (the tabs' arrow keys); a book created from its JSON.
  await page.locator("#tab-html-forms").focus();
  await page.keyboard.press("ArrowRight");
  check(
    (await page.locator("#tab-raw-data").getAttribute("aria-selected")) === "true" &&
      (await page.evaluate(() => document.activeElement?.id)) === "tab-raw-data" &&
      (await page.locator("#raw-data").isVisible()) &&
      (await page.locator("#html-forms").isHidden()),
    "the arrow key moves to the Raw data tab, which shows its form",
  );
  const title = `Browsed <img src=x onerror="window.pwned=1"> ${Date.now()}`;
  const book = { title, author: "A. Browser", published_date: "2024-02-29" };
  const createFrom = traffic.length;
  await page.locator("#raw-content").fill(JSON.stringify(book, null, 2));
  await page.locator('#raw-data button[value="POST"]').click();
  await status.filter({ hasText: "HTTP 201 Created" }).waitFor({ timeout: 30_000 });
  await page.waitForTimeout(100);
  const created = traffic.slice(createFrom).find(isPost("/api/books/"));
  const sent = await created?.request.allHeaders();
  const shown = await exchange.locator(".response").textContent();
  // The body is JSON: the title's quotes show escaped.
  check(
    created?.status === 201 &&
      sent?.authorization?.startsWith("Bearer ") &&
      sent["content-type"] === "application/json" &&
      sent.cookie === undefined &&
      shown.includes(JSON.stringify(title).slice(1, -1)) &&
      (await exchange.locator("img").count()) === 0 &&
      (await page.evaluate(() => window.pwned)) === undefined,
    "create a book through the raw data form: the page shows the 201 and the new book, its title as text",
    `${(await exchange.locator(".request").textContent()).trim()} → ${await status.textContent()}`,
  );
  await page.screenshot({ path: join(ARTIFACTS, "browsable-api-created.png"), fullPage: true });

  // The list, as the signed-in user: a new navigation renders anonymously, then again with the token.
  await page.goto(`${api}/api/`);
  await page.locator("#exchange a", { hasText: `${api}/api/books/` }).click();
  await page.waitForURL(`${api}/api/books/`);
  await exchange.filter({ hasText: JSON.stringify(title).slice(1, -1) }).waitFor({ timeout: 30_000 });
  check(
    (await page.locator("#auth-status").textContent()) === `Logged in: ${username}`,
    "follow the API root's link to the list: the new book is there, still logged in",
  );
  await page.screenshot({ path: join(ARTIFACTS, "browsable-api.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, "the page fits a phone's width", `${overflow}px wider than 390`);
  await page.screenshot({ path: join(ARTIFACTS, "browsable-api-phone.png") });
  await page.setViewportSize({ width: 1280, height: 900 });

  // The book's own page: DELETE (confirmed) answers 204, which has no page; the script shows it.
  const listed = await (await fetch(`${api}/api/books/`)).json();
  const { id } = listed.find((b) => b.title === title);
  await page.goto(`${api}/api/books/${id}/`, { waitUntil: "networkidle" });

  // Its PUT form starts from the book (DRF binds it to the object); the author changed, PUT answers 200.
  const putTitle = page.locator("#put-title");
  check(
    (await putTitle.inputValue()) === title &&
      (await page.locator("#put-published_date").inputValue()) === "2024-02-29",
    "the book's page has a PUT form filled from the book, its title as the input's text",
    await putTitle.inputValue(),
  );
  const putFrom = traffic.length;
  await page.locator("#put-author").fill("A. Put");
  await page.locator("#put-form button").click();
  await status.filter({ hasText: "HTTP 200 OK" }).waitFor({ timeout: 30_000 });
  await page.waitForTimeout(100);
  const put = traffic.slice(putFrom).find((e) => e.method === "PUT");
  check(
    put?.status === 200 && (await exchange.locator(".response").textContent()).includes('"author": "A. Put"'),
    "PUT through the HTML form: 200, the author changed",
    `${(await exchange.locator(".request").textContent()).trim()} → ${await status.textContent()}`,
  );
  const deleteFrom = traffic.length;
  page.once("dialog", (dialog) => dialog.accept());
  await page.locator('.toolbar button[data-method="DELETE"]').click();
  await status.filter({ hasText: "HTTP 204 No Content" }).waitFor({ timeout: 30_000 });
  await page.waitForTimeout(100);
  const deleted = traffic.slice(deleteFrom).find((e) => e.method === "DELETE");
  const gone = await fetch(`${api}/api/books/${id}/`);
  check(
    deleted?.status === 204 &&
      (await deleted.request.allHeaders()).authorization?.startsWith("Bearer ") &&
      gone.status === 404,
    "DELETE from the book's page, confirmed: the page shows the 204, and the book is gone",
    `${(await exchange.locator(".request").textContent()).trim()} → ${await status.textContent()}; then GET → ${gone.status}`,
  );

  // Log out: the session is revoked and the token forgotten. (From the list: the book's page is a 404 now.)
  await page.goto(`${api}/api/books/`, { waitUntil: "networkidle" });
  await page.locator("#auth summary").click();
  const blacklisted = page.waitForResponse(`${api}/api/token/blacklist/`);
  await page.locator("#logout").click();
  const revoked = await blacklisted;
  await page.locator("#auth-status", { hasText: "Log in" }).waitFor();
  check(
    revoked.status() === 200 && (await page.evaluate(() => sessionStorage.length)) === 0,
    "log out: the session revoked, nothing left in sessionStorage",
  );
  check(
    (await context.cookies(api)).every((c) => c.name !== "__Host-refresh"),
    "no cookie authenticates the page",
    (await context.cookies(api)).map((c) => c.name).join(", ") || "no cookies",
  );
  check(network.refused.length === 0, "the page loads nothing but the API's origin", network.refused.join(" "));
  check(problems.length === 0, "and runs without console errors (CSP included)", problems.join("\n"));
  const screenshots = [
    "browsable-api.png",
    "browsable-api-html-form.png",
    "browsable-api-form-created.png",
    "browsable-api-created.png",
    "browsable-api-phone.png",
  ];
  for (const name of screenshots) {
    console.log(`  screenshot: ${join(ARTIFACTS, name)}`);
  }
  await page.close();
  await network.lift();
}

const cleanups = [];
try {
  await mkdir(ARTIFACTS, { recursive: true });
  const dir = join(ROOT, "test/browser/spa");
  // The SPA's build needs the API's URL (import.meta.env.API_URL), the API the SPA's origin: the
  // API's port is chosen first.
  const port = await freePort();
  const spa = await serveStatic(dir, { api: `http://localhost:${port}` });
  cleanups.push(spa.stop);
  const foreign = await serveStatic(dir, { api: `http://localhost:${port}` });
  cleanups.push(foreign.stop);
  const script = await fetch(`${spa.url}/app.js`);
  if (script.status !== 200) throw new Error(`the SPA's script does not build: ${await script.text()}`);
  // The mailed links lead to the SPA: FRONTEND_URL/verify-email?key=…, FRONTEND_URL/password-reset?….
  const vars = { CORS_ALLOWED_ORIGINS: spa.url, FRONTEND_URL: spa.url };
  const api = await startDevServer({ port, state: STATE, vars });
  cleanups.push(api.stop);
  console.log(`  SPA on ${spa.url}, foreign page on ${foreign.url}, API on ${api.url}`);
  const browser = await launchChromium();
  cleanups.push(browser.close);
  await spaFlow(browser.context, spa.url, foreign.url, api);
  await recoveryFlow(browser.context, spa.url, api);
  await mfaFlow(browser.context, spa.url, api);
  await docsPage(browser.context, api.url);
  await browsableApi(browser.context, api.url);
  console.log(`browser: ${passed} passed, 0 failed`);
} catch (e) {
  console.error(e.message);
  console.log(`browser: ${passed} passed, 1 failed`);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}
