import { TrieRouter } from "hono/router/trie-router";
import type { RouterRoute } from "hono/types";

// DRF's order for the Allow header (Django's http_method_names).
const METHOD_ORDER = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/** What a view (every route registered on one path) offers: its Allow header, and its handlers by method. */
export type View = { allow: string; routes: ReadonlyMap<string, readonly RouterRoute[]> };

/**
 * From the app's registered routes, a lookup of each path's view: what DRF puts in the Allow header
 * of every response (and what a 405 lists) — HEAD comes with GET and OPTIONS with every route, as in
 * DRF — and the routes themselves, whose middleware says what the view checks.
 */
export function views(routes: readonly RouterRoute[]): (path: string) => View | undefined {
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
