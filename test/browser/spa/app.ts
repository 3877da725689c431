// The SPA's page script: one step per button, each reporting what the page could see (the second
// factor's are in mfa.ts), and the pages that mailed links open (recovery.ts). Bundled for the
// browser by esbuild when the static server is asked for app.js (test/browser/static-server.mjs).
import { API, BOOKMARK, bookmarkSent, COOKIE_MODE, client, post, session, tokenPairOf } from "./api";
import { mfaSteps } from "./mfa";
import { linkPages } from "./recovery";
import { report } from "./report";

const PASSWORD = "correct horse battery staple";
// The username outlives a reload (it is no secret); the tokens do not.
const username = sessionStorage.getItem("username") ?? `spa${Date.now().toString(36)}`;
sessionStorage.setItem("username", username);
const email = `${username}@example.com`;
/** Bearer mode only: in cookie mode the page never holds a refresh token. */
let bearerRefresh: string | undefined;

document.getElementById("origin")!.textContent = location.origin;
document.getElementById("api")!.textContent = API;

const steps: Record<string, () => Promise<void>> = {
  async register() {
    const { data, response } = await post("/api/register/", {
      username,
      email,
      password: PASSWORD,
      password_confirm: PASSWORD,
    });
    report(
      "register",
      response.status === 201 && data?.user.email === email && !data.user.email_verified,
      `POST /api/register/ → ${response.status}, user ${data?.user.username}, ${data?.user.email} verified: ${data?.user.email_verified}`,
    );
  },
  async login() {
    const { data, response } = await post("/api/token/", { username, password: PASSWORD });
    const pair = tokenPairOf(data);
    session.access = pair?.access ?? null;
    bearerRefresh = pair?.refresh;
    const ok = response.status === 200 && Boolean(pair?.access) && Boolean(pair?.refresh);
    report(
      "login",
      ok,
      `POST /api/token/ → ${response.status}, access token ${pair?.access.slice(0, 12)}…, refresh token in the body`,
    );
  },
  async "add-tasks"() {
    const first = await post("/api/tasks/", { title: "Buy milk" });
    const second = await post("/api/tasks/", { title: "Write the report", desc: "by Friday" });
    const ok = first.response.status === 201 && second.response.status === 201;
    report("add-tasks", ok, `POST /api/tasks/ ×2 → ${first.response.status}, ${second.response.status}`);
  },
  async "list-tasks"() {
    const { data, response } = await client.GET("/api/tasks/");
    const titles = data?.map((task) => task.title) ?? [];
    report(
      "list-tasks",
      response.status === 200 && titles.length === 2,
      `GET /api/tasks/ → ${response.status}: ${titles.join(", ")}`,
    );
  },
  async "create-then-list"() {
    // Read-your-writes whatever replica answers: the list right after the create holds the new row.
    const created = await post("/api/tasks/", { title: "Read my own write" });
    const written = created.response.headers.get(BOOKMARK);
    const listed = await client.GET("/api/tasks/");
    const sent = bookmarkSent.get(listed.response) ?? null;
    const found = listed.data?.some((task) => task.id === created.data?.id) ?? false;
    const ok = created.response.status === 201 && written !== null && sent === written && found;
    report(
      "create-then-list",
      ok,
      `POST /api/tasks/ → ${created.response.status}, ${BOOKMARK}: ${written}; then GET /api/tasks/ sent ` +
        `${BOOKMARK}: ${sent} → ${listed.response.status}, task ${created.data?.id} ${found ? "listed" : "missing"}`,
    );
  },
  async refresh() {
    const old = bearerRefresh;
    const { data, response } = await post("/api/token/refresh/", { refresh: old });
    session.access = data?.access ?? null;
    bearerRefresh = data?.refresh;
    const after = await client.GET("/api/tasks/");
    const ok =
      response.status === 200 && Boolean(data?.refresh) && data?.refresh !== old && after.response.status === 200;
    report(
      "refresh",
      ok,
      `POST /api/token/refresh/ → ${response.status}, new pair; GET /api/tasks/ with it → ${after.response.status}`,
    );
  },
  async "cookie-login"() {
    const { data, response } = await post("/api/token/", { username, password: PASSWORD }, COOKIE_MODE);
    const pair = tokenPairOf(data);
    session.access = pair?.access ?? null;
    bearerRefresh = undefined;
    const ok = response.status === 200 && pair !== undefined && Boolean(pair.access) && !("refresh" in pair);
    report(
      "cookie-login",
      ok,
      `POST /api/token/ (cookie mode) → ${response.status}, body: ${Object.keys(data ?? {}).join(", ")}`,
    );
  },
  async "cookie-hidden"() {
    // The browser holds the cookie and sends it, but it is HttpOnly: no script, this one included, reads it.
    const visible = document.cookie;
    report("cookie-hidden", !visible.includes("refresh"), `document.cookie: "${visible}"`);
  },
  async "cookie-resume"() {
    // What an SPA does when it starts (a reload forgot the access token): refresh with the cookie alone.
    const { data, response } = await post("/api/token/refresh/", {}, COOKIE_MODE);
    session.access = data?.access ?? null;
    const me = await client.GET("/api/users/me/");
    const ok = response.status === 200 && data !== undefined && !("refresh" in data) && me.data?.username === username;
    report(
      "cookie-resume",
      ok,
      `POST /api/token/refresh/ (cookie only) → ${response.status}; GET /api/users/me/ → ${me.response.status} ${me.data?.username}`,
    );
  },
  async "forged-refresh"() {
    // What any page can send without a preflight (a plain fetch, a form): the cookie goes along, the
    // custom header cannot. Deliberately not the typed client, whose JSON body would need a preflight.
    const res = await fetch(`${API}/api/token/refresh/`, { method: "POST", credentials: "include" });
    const body = (await res.json()) as { detail?: string };
    report(
      "forged-refresh",
      res.status === 403,
      `POST /api/token/refresh/ with the cookie, no X-Token-Transport → ${res.status} ${body.detail}`,
    );
  },
  async "cookie-logout"() {
    const { response } = await post("/api/token/blacklist/", {}, COOKIE_MODE);
    session.access = null;
    const again = await post("/api/token/refresh/", {}, COOKIE_MODE);
    const ok = response.status === 200 && again.response.status === 400;
    report(
      "cookie-logout",
      ok,
      `POST /api/token/blacklist/ (cookie) → ${response.status}; a refresh after it → ${again.response.status} ${JSON.stringify(again.error)}`,
    );
  },
  async "forgot-password"() {
    // The same answer for any address: whether a mail goes out is decided after it.
    const { data, response } = await post("/api/password/reset/", { email });
    report(
      "forgot-password",
      response.status === 200,
      `POST /api/password/reset/ for ${email} → ${response.status} ${data?.detail}`,
    );
  },
  async throttle() {
    // The login throttle: 10 failed logins per account per hour, then 429.
    const attempts = [];
    for (let i = 0; i < 11; i++) attempts.push(await post("/api/token/", { username, password: `guess ${i}` }));
    const last = attempts.at(-1)!;
    const retryAfter = last.response.headers.get("Retry-After");
    const ok = last.response.status === 429 && Number(retryAfter) > 0;
    const statuses = attempts.map((a) => a.response.status).join(" ");
    report("throttle", ok, `${statuses} → ${last.error?.detail} Retry-After read by JS: ${retryAfter} s`);
    // Only the exposed headers are readable: Allow is on the response, but not exposed.
    const headers = last.response.headers;
    report(
      "exposed",
      headers.get("Allow") === null,
      `RateLimit: ${headers.get("RateLimit")}; Allow (not exposed): ${headers.get("Allow")}`,
    );
  },
};

// A history-API route: the host answers every path with index.html, and the path picks the page.
const linkPage = linkPages[location.pathname];
document.getElementById("home")!.hidden = linkPage !== undefined;
linkPage?.();

for (const [step, run] of Object.entries({ ...steps, ...mfaSteps(username, PASSWORD) })) {
  document
    .getElementById(step)!
    .addEventListener("click", () => run().catch((error) => report(step, false, `${step}: ${error}`)));
}
