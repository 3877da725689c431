import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../env";
import { logLine } from "../lib/log";

/** On every response the Worker answers, errors and preflights included: the id its log lines carry. */
export const REQUEST_ID_HEADER = "X-Request-Id";

// Cloudflare's Ray ID, which its dashboard, error pages and support know the request by. Cloudflare
// sets it; under `wrangler dev` anyone can send one, so only a short token of id characters is taken.
const RAY_ID = /^[A-Za-z0-9-]{1,64}$/;

/** The request's id: its `cf-ray` header when Cloudflare sent one, otherwise a fresh UUID. */
export function requestIdOf(request: Request): string {
  const ray = request.headers.get("cf-ray");
  return ray !== null && RAY_ID.test(ray) ? ray : crypto.randomUUID();
}

/**
 * The pattern of the route that took the request (`/api/tasks/:id{[0-9]+}/`), not its path, so that
 * lines group by endpoint; null when no route of the method matched (404, 405, OPTIONS, preflights).
 * Routes of method ALL are the middleware (as in lib/views.ts).
 */
const routeOf = (c: Context<AppEnv>) => matchedRoutes(c).find((route) => route.method !== "ALL")?.path ?? null;

/**
 * Mounted first: gives the request its id (c.var.requestId, for renderError's log lines), puts it on
 * the response, and logs one access line when the response is ready. The duration is wall time until
 * then; Workers advance the clock only across I/O, so it is the time spent waiting on D1, KV, …
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  const requestId = requestIdOf(c.req.raw);
  c.set("requestId", requestId);
  await next();
  c.header(REQUEST_ID_HEADER, requestId);
  logLine("info", {
    event: "request",
    request_id: requestId,
    method: c.req.method,
    route: routeOf(c),
    path: c.req.path,
    status: c.res.status,
    duration_ms: Date.now() - started,
  });
});
