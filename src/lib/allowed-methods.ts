import type { RouterRoute } from "hono/types";
import { TrieRouter } from "hono/router/trie-router";

// DRF's order for the Allow header (Django's http_method_names).
const METHOD_ORDER = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/**
 * From the app's registered routes, a lookup of each path's `Allow` header value: what DRF puts on
 * every response and what a 405 lists. HEAD comes with GET and OPTIONS with every route, as in DRF.
 */
export function allowedMethods(routes: RouterRoute[]): (path: string) => string | undefined {
  const byPath = new Map<string, Set<string>>();
  for (const { method, path } of routes) {
    if (method === "ALL") continue; // middleware, not a view
    const methods = byPath.get(path) ?? new Set(["OPTIONS"]);
    methods.add(method);
    if (method === "GET") methods.add("HEAD");
    byPath.set(path, methods);
  }
  const router = new TrieRouter<string>();
  for (const [path, methods] of byPath) {
    router.add("ALL", path, METHOD_ORDER.filter((m) => methods.has(m)).join(", "));
  }
  return (path) => router.match("ALL", path)[0][0]?.[0];
}
