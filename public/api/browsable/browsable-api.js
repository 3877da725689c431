// The browsable API's script (src/lib/browsable-page.ts renders the page). It sends what the page's
// buttons and forms ask for with fetch — with `Authorization: Bearer <access>` once a token is set,
// never with a cookie — and shows the answer in place: the server renders the exchange as HTML
// (Accept: text/html), and the page swaps its #exchange section for the answer's. The access token
// lives in this tab's sessionStorage only; logging out revokes its session and forgets it.

const KEYS = { access: "browsable-api.access", refresh: "browsable-api.refresh", who: "browsable-api.who" };
const store = window.sessionStorage;
const auth = document.getElementById("auth");

/** The page's own URL, without its fragment: the view every request of the page goes to. */
const viewUrl = () => location.href.split("#")[0];

function setBusy(busy) {
  document.body.classList.toggle("busy", busy);
  for (const button of document.querySelectorAll("main button")) button.disabled = busy;
}

/** An exchange the server did not render (a 204 has no body; a network failure has no response): shown as text. */
function plainExchange(method, statusLine, headers, text) {
  const section = document.createElement("section");
  section.id = "exchange";
  section.className = "exchange";
  const request = document.createElement("pre");
  request.className = "request";
  const verb = document.createElement("b");
  verb.textContent = method;
  request.append(verb, ` ${new URL(viewUrl()).pathname}${new URL(viewUrl()).search}`);
  const response = document.createElement("pre");
  response.className = "response";
  const line = document.createElement("b");
  line.className = "status";
  line.textContent = statusLine;
  response.append(line, "\n");
  for (const [name, value] of headers) {
    const label = document.createElement("b");
    label.textContent = `${name}:`;
    response.append(label, ` ${value}\n`);
  }
  response.append(`\n${text}`);
  section.append(request, response);
  return section;
}

function showExchange(section) {
  document.getElementById("exchange").replaceWith(document.adoptNode(section));
}

/**
 * The forms start from what the signed-in user sees (their own object, for PUT and the raw data), each
 * unless it was edited: from `page`, the server's page for a GET of this URL.
 */
function refreshForms(page) {
  const content = document.getElementById("raw-content");
  const fresh = page?.getElementById("raw-content");
  if (fresh && content && content.value === content.defaultValue) {
    content.defaultValue = fresh.defaultValue;
    content.value = fresh.defaultValue;
  }
  for (const form of document.querySelectorAll(".html-form")) {
    const replacement = page?.getElementById(form.id);
    if (replacement && form.dataset.edited === undefined) form.replaceWith(document.adoptNode(replacement));
  }
}

/**
 * Sends `method` (and a body) to the page's URL as the signed-in user, if any, and shows the answer.
 * The server's page for the answer is parsed inert (DOMParser runs no script) and only its exchange
 * section is taken: markup the server escaped, so nothing in a response can become code here.
 */
async function send(method, body) {
  const headers = { Accept: "text/html" };
  const access = store.getItem(KEYS.access);
  if (access) headers.Authorization = `Bearer ${access}`;
  // A form's body (URLSearchParams) brings its own Content-Type: application/x-www-form-urlencoded.
  if (typeof body === "string") headers["Content-Type"] = "application/json";
  setBusy(true);
  try {
    const res = await fetch(viewUrl(), { method, headers, body, credentials: "omit", cache: "no-store" });
    const text = await res.text();
    const page = (res.headers.get("Content-Type") ?? "").startsWith("text/html")
      ? new DOMParser().parseFromString(text, "text/html")
      : null;
    const rendered = page?.getElementById("exchange");
    showExchange(rendered ?? plainExchange(method, `HTTP ${res.status} ${res.statusText}`.trim(), res.headers, text));
    if (method === "GET") refreshForms(page);
    if (access && res.status === 401) {
      auth.open = true;
      showAuth("The API refused the token (expired, or its session ended): log out, then log in again.");
    }
  } catch (error) {
    showExchange(plainExchange(method, "No response", [], String(error)));
  } finally {
    setBusy(false);
  }
}

function showAuth(message = "") {
  const who = store.getItem(KEYS.who);
  document.getElementById("auth-status").textContent = who ? `Logged in: ${who}` : "Log in";
  for (const id of ["login", "use-token"]) document.getElementById(id).hidden = Boolean(who);
  document.getElementById("logout").hidden = !who;
  document.getElementById("auth-message").textContent = message;
}

function forget() {
  for (const key of Object.values(KEYS)) store.removeItem(key);
}

/** Username and password for a token pair, in bearer mode (the JSON body); the device cookie the login sets is not an authentication. */
async function logIn(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const fields = new FormData(form);
  const res = await fetch(auth.dataset.login, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/json" },
    body: JSON.stringify({ username: fields.get("username"), password: fields.get("password") }),
    credentials: "same-origin",
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok || typeof answer.access !== "string") {
    showAuth(answer.detail ?? `Log in failed: HTTP ${res.status}`);
    return;
  }
  store.setItem(KEYS.access, answer.access);
  store.setItem(KEYS.refresh, answer.refresh);
  store.setItem(KEYS.who, String(fields.get("username")));
  form.reset();
  auth.open = false;
  showAuth();
  await send("GET");
}

async function useToken(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const token = String(new FormData(form).get("token"))
    .trim()
    .replace(/^Bearer\s+/i, "");
  store.setItem(KEYS.access, token);
  store.setItem(KEYS.who, "a pasted token");
  form.reset();
  auth.open = false;
  showAuth();
  await send("GET");
}

/** Revokes the session of the token pair (its access tokens stop working too), then forgets it. */
async function logOut() {
  const refresh = store.getItem(KEYS.refresh);
  forget();
  if (refresh) {
    await fetch(auth.dataset.logout, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ refresh }),
      credentials: "omit",
    }).catch(() => {});
  }
  auth.open = false;
  showAuth("Logged out.");
  await send("GET");
}

function sendRawData(event) {
  event.preventDefault();
  const method = event.submitter?.value;
  if (!method) return;
  const content = document.getElementById("raw-content").value;
  send(method, content.trim() === "" ? undefined : content);
}

/**
 * DRF's HTML form, urlencoded as a browser posts a form: an unchecked box is left out, which the
 * API reads as false (a BooleanField's empty HTML value), as DRF does.
 */
function sendHtmlForm(event) {
  event.preventDefault();
  const form = event.target;
  send(form.dataset.method, new URLSearchParams(new FormData(form)));
}

/** A form the user has changed is not refilled when the page asks again (refreshForms). */
function markEdited(event) {
  event.target.form.dataset.edited = "";
}

/** The tabs of the forms (WAI-ARIA's tabs pattern): a tab shows its panel; the arrow keys, Home and End move between tabs. */
function selectTab(tab) {
  for (const other of tab.parentElement.querySelectorAll('[role="tab"]')) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
  }
  tab.focus();
}

function clickTab(event) {
  const tab = event.target.closest('[role="tab"]');
  if (tab) selectTab(tab);
}

function moveTab(event) {
  const tabs = [...event.currentTarget.querySelectorAll('[role="tab"]')];
  const at = tabs.indexOf(event.target);
  const to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: tabs.length - 1 }[event.key];
  if (at === -1 || to === undefined) return;
  event.preventDefault();
  selectTab(tabs[(to + tabs.length) % tabs.length]);
}

function sendBodiless(event) {
  const button = event.target.closest("button[data-method]");
  if (!button) return;
  const { method } = button.dataset;
  if (method === "DELETE" && !window.confirm("Delete this?")) return;
  send(method);
}

document.getElementById("login").addEventListener("submit", logIn);
document.getElementById("use-token").addEventListener("submit", useToken);
document.getElementById("logout").addEventListener("click", logOut);
document.getElementById("raw-data")?.addEventListener("submit", sendRawData);
// On the panel, not on its forms: refreshForms replaces them.
document.getElementById("html-forms")?.addEventListener("submit", sendHtmlForm);
document.getElementById("html-forms")?.addEventListener("input", markEdited);
const tablist = document.querySelector('[role="tablist"]');
tablist?.addEventListener("click", clickTab);
tablist?.addEventListener("keydown", moveTab);
document.querySelector(".toolbar").addEventListener("click", sendBodiless);
showAuth();
// The page's first render is the navigation's own, anonymous answer: as the signed-in user, ask again.
if (store.getItem(KEYS.access)) send("GET");
