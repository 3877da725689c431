import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { BROWSABLE_CSP, browsablePage, type PageInput } from "../lib/browsable-page";
import type { FormField, HtmlForm } from "../lib/html-form";
import { prefersHtml } from "../lib/negotiation";
import { describeView, type MethodBody, type ViewRoutes } from "../openapi/view-facts";

const UNSAFE_METHODS = ["POST", "PUT", "PATCH", "DELETE"];

export type BrowsableApiOptions = {
  /** The routes of the view at a path (middleware/views.ts), whose facts name and describe the page. */
  viewOf: (path: string) => ViewRoutes | undefined;
  paths: PageInput["paths"];
};

const isJson = (res: Response) =>
  (res.headers.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase() === "application/json";

/**
 * The representation a request asks for: `?format=api` or `?format=json` decide (DRF's
 * URL_FORMAT_OVERRIDE); otherwise Accept does, and the answer varies with it.
 */
function negotiate(c: Context): { html: boolean; byAccept: boolean } {
  const format = c.req.query("format");
  if (format === "api" || format === "json") return { html: format === "api", byAccept: false };
  return { html: prefersHtml(c.req.header("Accept")), byAccept: true };
}

/** The object a page shows, if it shows one: what PUT and PATCH start from. */
function shownObject(method: string, status: number, body: string): Record<string, unknown> {
  if ((method !== "GET" && method !== "HEAD") || status !== 200) return {};
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** DRF's forms start each field at its initial value or, for the object they edit, at the object's. */
const startingValues = (fields: readonly FormField[], shown: Record<string, unknown>) =>
  Object.fromEntries(fields.map(({ name, initial }) => [name, name in shown ? shown[name] : initial]));

/** DRF's raw data form: the writable fields, filled from the object when the page shows one. */
function rawData(fields: readonly FormField[] | undefined, shown: Record<string, unknown>): string {
  return fields ? JSON.stringify(startingValues(fields, shown), null, 4) : "";
}

/**
 * DRF's HTML forms: POST's for a new object (its fields' initial values), PUT's bound to the object
 * the page shows. PATCH has none, as in DRF: a partial update is sent as raw data.
 */
function htmlForms(bodies: readonly (MethodBody & { method: string })[], shown: Record<string, unknown>): HtmlForm[] {
  return bodies.flatMap(({ method, fields }) => {
    if (!fields || (method !== "POST" && method !== "PUT")) return [];
    return [{ method, fields, values: startingValues(fields, method === "PUT" ? shown : {}) }];
  });
}

/**
 * DRF's BrowsableAPIRenderer. Mounted first, around everything the app answers: a JSON response
 * (errors, 404, 405 and OPTIONS metadata included) to a request that asks for HTML becomes a page
 * around that same response — its status, its headers as a JSON client gets them, its body — with the
 * view's name, description and methods, and forms. Only the representation changes: the response was
 * made (authenticated, permitted, throttled) as for JSON. Anything that is not JSON (an avatar, the
 * docs page, a 204 or 304, which may have no body at all) passes through.
 */
export function browsableApi({ viewOf, paths }: BrowsableApiOptions) {
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const res = c.res;
    if (!isJson(res)) return;
    const { html, byAccept } = negotiate(c);
    if (byAccept) res.headers.append("Vary", "Accept");
    if (!html) return;

    const body = await res.text();
    const { method } = c.req;
    const routes = viewOf(c.req.path);
    const view = routes ? describeView(routes, method) : null;
    const allow = (res.headers.get("Allow") ?? "").split(",").flatMap((m) => m.trim() || []);
    const bodies = allow
      .filter((m) => UNSAFE_METHODS.includes(m))
      .map((m) => ({ method: m, ...(view?.body(m) ?? { parses: [] }) }));
    const shown = shownObject(method, res.status, body);
    const page = browsablePage({
      name: view?.name ?? null,
      description: view?.description ?? null,
      request: { method, url: new URL(c.req.url) },
      response: { status: res.status, headers: res.headers, body },
      allow,
      methods: bodies,
      rawData: rawData(bodies.find((b) => b.fields)?.fields, shown),
      htmlForms: htmlForms(bodies, shown),
      paths,
    });
    const headers = new Headers(res.headers);
    headers.set("Content-Type", "text/html; charset=UTF-8");
    headers.set("Content-Security-Policy", BROWSABLE_CSP);
    headers.delete("Content-Length");
    // Assigning c.res merges the old response's headers into the new one: clear it first.
    c.res = undefined;
    c.res = new Response(page, { status: res.status, headers });
  });
}
