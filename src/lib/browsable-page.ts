import { describedText, type Html, html } from "./html";
import { type HtmlForm, htmlFormMarkup } from "./html-form";

// DRF's BrowsableAPIRenderer, for a JSON API on Workers: one HTML page around a JSON response. The
// page's script and styles are static assets (public/api/browsable/), so its CSP needs no inline code.

/** Where the page's static files are (public/api/browsable/, served by the platform: wrangler.toml [assets]). */
export const BROWSABLE_ASSETS = "/api/browsable";

/** The page's own policy: its origin's script, styles and API calls only; no inline code, no framing, no form posts. */
export const BROWSABLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  // Every form is sent by the page's script; a form the script did not take must not navigate anywhere.
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/** What a method of the view takes: the media types it parses (none: no body). */
export type PageMethod = { method: string; parses: readonly string[] };

export type PageInput = {
  /** The view's name (its summary); null for a URL no view answers. */
  name: string | null;
  description: string | null;
  request: { method: string; url: URL };
  /** The JSON response as the API answered it. */
  response: { status: number; headers: Headers; body: string };
  /** The Allow header's methods. */
  allow: readonly string[];
  /** What each unsafe method of Allow parses. */
  methods: readonly PageMethod[];
  /** The raw data form's first content (DRF: the serializer's fields, or the object's values). */
  rawData: string;
  /** DRF's HTML forms of the fields: POST's and PUT's. */
  htmlForms: readonly HtmlForm[];
  /** Where the log-in box gets a token pair, and where logging out revokes it; the API root. */
  paths: { login: string; logout: string; root: string };
};

const JSON_TYPE = "application/json";

/** The reason phrases of the statuses the API answers (RFC 9110). */
const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  301: "Moved Permanently",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export const statusLine = (status: number) => `HTTP ${status} ${REASONS[status] ?? ""}`.trimEnd();

/**
 * A string of the body worth a link: an http(s) URL on the API's own origin, as its normalised href
 * (what the browser would follow is what was checked). Other origins stay text: the links are for
 * walking the API, and a URL a user wrote (a profile's website) must not become one on the API's
 * origin. Anything else (javascript:, data:, relative text) is never a link.
 */
function apiLink(value: string, origin: string): string | null {
  if (!/^https?:\/\//i.test(value.trim())) return null;
  try {
    const url = new URL(value);
    return url.origin === origin ? url.href : null;
  } catch {
    return null;
  }
}

const INDENT = "    "; // DRF's browsable API indents by 4

/** JSON.stringify(value, null, 4) as HTML: keys and strings as spans, API URLs as links, every character escaped. */
function jsonMarkup(value: unknown, origin: string, indent = ""): Html {
  if (typeof value === "string") {
    const quoted = JSON.stringify(value);
    const href = apiLink(value, origin);
    return href === null
      ? html`<span class="string">${quoted}</span>`
      : html`<span class="string">"<a href="${href}" rel="nofollow">${quoted.slice(1, -1)}</a>"</span>`;
  }
  if (value === null || typeof value !== "object") return html`<span class="literal">${JSON.stringify(value)}</span>`;
  const inner = indent + INDENT;
  const entries = Array.isArray(value)
    ? value.map((item) => jsonMarkup(item, origin, inner))
    : Object.entries(value).map(
        ([key, item]) => html`<span class="key">${JSON.stringify(key)}</span>: ${jsonMarkup(item, origin, inner)}`,
      );
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) return html`${open}${close}`;
  const lines = entries.map((entry, i) => html`${inner}${entry}${i < entries.length - 1 ? "," : ""}\n`);
  return html`${open}\n${lines}${indent}${close}`;
}

/** The response body pretty-printed; a body that is not JSON after all is shown as its text. */
function bodyMarkup(body: string, origin: string): Html {
  if (body === "") return html``;
  try {
    return jsonMarkup(JSON.parse(body), origin);
  } catch {
    return html`${body}`;
  }
}

/** A header as the page shows it; a cookie's value is never written into the page, only its name and attributes. */
const headerLine = (name: string, value: string) =>
  html`<b>${name}:</b> ${name === "set-cookie" ? value.replace(/=[^;]*/, "=…") : value}\n`;

/** The request as made and the response: status line, headers, pretty body. The page's script swaps this section. */
function exchangeMarkup({ request, response }: PageInput): Html {
  const { pathname, search } = request.url;
  const headers = [...response.headers].map(([name, value]) => headerLine(name, value));
  return html`<section id="exchange" class="exchange" data-status="${response.status}" aria-live="polite">
<pre class="request"><b>${request.method}</b> ${pathname}${search}</pre>
<pre class="response"><b class="status">${statusLine(response.status)}</b>
${headers}
${bodyMarkup(response.body, request.url.origin)}</pre>
</section>`;
}

/** The log-in box: a token pair from the login view, or a pasted access token, kept by the page's script in sessionStorage. */
const authMarkup = ({
  paths,
}: PageInput) => html`<details class="auth" id="auth" data-login="${paths.login}" data-logout="${paths.logout}">
<summary id="auth-status">Log in</summary>
<div class="auth-panel">
<form id="login" method="post">
<input name="username" autocomplete="username" placeholder="Username" aria-label="Username" required>
<input name="password" type="password" autocomplete="current-password" placeholder="Password" aria-label="Password" required>
<button>Log in</button>
</form>
<form id="use-token" method="post">
<input name="token" autocomplete="off" spellcheck="false" placeholder="or paste an access token" aria-label="Access token" required>
<button>Use token</button>
</form>
<p id="auth-message" class="auth-message" role="status"></p>
<button id="logout" type="button" hidden>Log out</button>
</div>
</details>`;

/** OPTIONS, the unsafe methods that send no body (DELETE, actions), and the JSON of the same URL if it has a GET. */
function toolbarMarkup({ request, allow, methods }: PageInput): Html {
  const json = new URL(request.url);
  json.searchParams.set("format", "json");
  const bodiless = methods.filter((m) => m.parses.length === 0);
  return html`<div class="toolbar">
${allow.includes("OPTIONS") ? html`<button type="button" data-method="OPTIONS">OPTIONS</button>` : ""}
${bodiless.map(({ method }) => html`<button type="button" data-method="${method}" class="${method === "DELETE" ? "danger" : ""}">${method}</button>`)}
${allow.includes("GET") ? html`<a class="button" href="${json.pathname}${json.search}">GET as JSON</a>` : ""}
</div>`;
}

/** The two ways of sending a body, as DRF's tabs: the HTML form (shown first) and the raw data form. */
const TABS = html`<div class="tabs" role="tablist" aria-label="Request body">
<button type="button" role="tab" id="tab-html-forms" aria-controls="html-forms" aria-selected="true">HTML form</button>
<button type="button" role="tab" id="tab-raw-data" aria-controls="raw-data" aria-selected="false" tabindex="-1">Raw data</button>
</div>`;

/**
 * DRF's forms, sent by the page's script: the HTML form of the fields for POST and PUT (lib/html-form.ts),
 * and the raw data form — the content and a button per method that parses JSON, PATCH included. With
 * both, they are tabs; a view with only PATCH has the raw data form alone. A method that parses no JSON
 * has its media types named.
 */
function formsMarkup({ methods, rawData, htmlForms }: PageInput): Html {
  const json = methods.filter((m) => m.parses.includes(JSON_TYPE));
  const other = methods.filter((m) => m.parses.length > 0 && !m.parses.includes(JSON_TYPE));
  if (json.length === 0 && other.length === 0) return html``;
  const tabbed = htmlForms.length > 0;
  const panel = tabbed ? html` role="tabpanel" aria-labelledby="tab-raw-data" hidden` : "";
  const rawForm = html`<form id="raw-data" class="raw-data" method="post"${panel}>
<label for="raw-content">Content <span class="media-type">${JSON_TYPE}</span></label>
<textarea id="raw-content" name="content" rows="12" spellcheck="false">${rawData}</textarea>
<div class="actions">${json.map(({ method }) => html`<button name="method" value="${method}">${method}</button>`)}</div>
</form>`;
  const htmlPanel = html`${TABS}
<div id="html-forms" class="html-forms" role="tabpanel" aria-labelledby="tab-html-forms">
${htmlForms.map(htmlFormMarkup)}
</div>`;
  return html`<section class="forms">
<h2>Send a request</h2>
${tabbed ? htmlPanel : ""}
${json.length > 0 ? rawForm : ""}
${other.map(({ method, parses }) => html`<p class="note">${method} takes ${parses.join(", ")}: this page does not send those bodies.</p>`)}
</section>`;
}

/** The whole page. */
export function browsablePage(input: PageInput): string {
  const name = input.name ?? REASONS[input.response.status] ?? "edge-drf-api";
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${name} · edge-drf-api</title>
<link rel="stylesheet" href="${BROWSABLE_ASSETS}/browsable-api.css">
<script type="module" src="${BROWSABLE_ASSETS}/browsable-api.js"></script>
</head>
<body>
<header class="navbar">
<a class="brand" href="${input.paths.root}">edge-drf-api</a>
${authMarkup(input)}
</header>
<main>
${toolbarMarkup(input)}
<h1>${name}</h1>
${input.description ? html`<p class="description">${describedText(input.description)}</p>` : ""}
<p class="allow"><b>Allow:</b> ${input.allow.length > 0 ? input.allow.join(", ") : "—"}</p>
${exchangeMarkup(input)}
${formsMarkup(input)}
</main>
</body>
</html>
`;
  return page.markup;
}
