import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { TrieRouter } from "hono/router/trie-router";
import type { RouterRoute } from "hono/types";
import { findTargetHandler } from "hono/utils/handler";
import type { AppEnv } from "../env";
import { slashMissing } from "../lib/append-slash";
import { methodNotAllowed, notFound, renderError } from "../lib/errors";
import { PARSED_MEDIA_TYPES } from "../lib/request-body";
import { type PermitFacts, permitFacts } from "../openapi/route-facts";
import { AllowAny } from "./permissions";
import { initial } from "./permit";

// DRF's order for the Allow header (Django's http_method_names).
const METHOD_ORDER = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/**
 * DRF's answer to OPTIONS (SimpleMetadata, for views without a serializer form): JSON and, as with
 * DRF's default renderers, the browsable API's HTML (middleware/browsable-api.ts); DRF's default
 * parsers (lib/request-body.ts).
 */
const METADATA = { renders: ["application/json", "text/html"], parses: PARSED_MEDIA_TYPES };

/** What a view (every route registered on one path) offers: its Allow header, and its handlers by method. */
type View = { allow: string; routes: ReadonlyMap<string, readonly RouterRoute[]> };

/**
 * From the app's registered routes, a lookup of each path's view: what DRF puts in the Allow header
 * of every response (and what a 405 lists) — HEAD comes with GET and OPTIONS with every route, as in
 * DRF — and the routes themselves, whose middleware says what the view checks.
 */
function viewLookup(routes: readonly RouterRoute[]): (path: string) => View | undefined {
  // app.routes holds one entry per handler of a route (its middleware, then the handler itself).
  const byPath = new Map<string, Map<string, RouterRoute[]>>();
  for (const route of routes) {
    if (route.method === "ALL") continue; // middleware, not a view
    const methods = byPath.get(route.path) ?? new Map<string, RouterRoute[]>();
    methods.set(route.method, [...(methods.get(route.method) ?? []), route]);
    byPath.set(route.path, methods);
  }
  const router = new TrieRouter<View>();
  for (const [path, methods] of byPath) {
    const offered = new Set([...methods.keys(), "OPTIONS", ...(methods.has("GET") ? ["HEAD"] : [])]);
    router.add("ALL", path, { allow: METHOD_ORDER.filter((m) => offered.has(m)).join(", "), routes: methods });
  }
  return (path) => router.match("ALL", path)[0][0]?.[0];
}

/**
 * What DRF's view checks for OPTIONS and for a method it does not offer: authentication, permissions
 * and throttles of the view, which here are its GET route's (or, without one, its first route's).
 */
function viewFacts(view: View): Pick<PermitFacts, "permissions" | "throttles" | "authenticate" | "noStore"> {
  const routes = view.routes.get("GET") ?? [...view.routes.values()][0] ?? [];
  const facts = permitFacts(routes.map((route) => findTargetHandler(route.handler)));
  return facts ?? { permissions: [AllowAny], throttles: undefined, authenticate: true, noStore: false };
}

/**
 * DRF's view-level answers, which Hono has no notion of: Allow on every response of a view, OPTIONS
 * metadata, 405 for a method the view does not offer, and Django's APPEND_SLASH. Routes are read once
 * they are all registered (`register`).
 */
export class Views {
  #viewOf: (path: string) => View | undefined = () => undefined;

  register(routes: readonly RouterRoute[]): void {
    this.#viewOf = viewLookup(routes);
  }

  /** The Allow header of the view at `path`, if any (also what a CORS preflight may use). */
  readonly allow = (path: string) => this.#viewOf(path)?.allow;

  /** The routes of the view at `path` by method, if any (what the browsable API describes). */
  readonly routesOf = (path: string) => this.#viewOf(path)?.routes;

  /**
   * DRF puts Allow on every response of a view, errors included: set before the route runs, so that
   * every response made from the context carries it (a route may still set its own).
   */
  readonly allowHeader = createMiddleware<AppEnv>(async (c, next) => {
    const allow = this.allow(c.req.path);
    if (allow) c.header("Allow", allow);
    await next();
  });

  /** What a request no route of its method matched gets: OPTIONS metadata, 405, a slash redirect or 404. */
  readonly unrouted = async (c: Context<AppEnv>) => {
    const view = this.#viewOf(c.req.path);
    if (!view) return renderError(slashMissing(c, this.#viewOf) ?? notFound(), c);
    const facts = viewFacts(view);
    if (facts.noStore) c.header("Cache-Control", "no-store");
    // DRF runs authentication, permissions and throttles for OPTIONS and unsupported methods too.
    await initial(c, facts, null);
    if (c.req.method === "OPTIONS") return c.json(METADATA);
    throw methodNotAllowed(c.req.method, view.allow);
  };
}
