import type { Context } from "hono";
import { ApiError } from "./errors";

/**
 * Django's APPEND_SLASH for a path no route matches: if the same path with a slash would match, a
 * GET or HEAD is redirected there (301, query string kept); any other method gets a 404 that says so
 * (Django raises a DEBUG-only RuntimeError: a redirect would lose the body). null otherwise.
 */
export function slashMissing(c: Context, matches: (path: string) => unknown): ApiError | null {
  const { path } = c.req;
  if (path.endsWith("/") || !matches(`${path}/`)) return null;
  const url = new URL(c.req.url);
  url.pathname = `${path}/`;
  if (c.req.method === "GET" || c.req.method === "HEAD") {
    return new ApiError(
      301,
      { detail: `Moved permanently to ${url.pathname}` },
      { Location: `${url.pathname}${url.search}` },
    );
  }
  return new ApiError(404, {
    detail: `Not found. This URL needs a trailing slash: ${c.req.method} ${url.pathname} (a redirect would lose the request body).`,
  });
}
