import type { Context } from "hono";
import { cors as honoCors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { allowedOrigins } from "../lib/allowed-origins";
import { TRANSPORT_HEADER } from "../lib/cookies";
import { D1_SESSION_CORS } from "./d1-session";
import { REQUEST_ID_HEADER } from "./request-log";

/** What a browser script may send besides CORS-safelisted headers (X-Token-Transport: cookie mode). */
export const CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", ...D1_SESSION_CORS.allowHeaders, TRANSPORT_HEADER];
/** What a browser script may read besides CORS-safelisted headers: how long it is throttled for, the bookmark, the request id. */
export const CORS_EXPOSE_HEADERS = [
  "Retry-After",
  "RateLimit",
  "RateLimit-Policy",
  ...D1_SESSION_CORS.exposeHeaders,
  REQUEST_ID_HEADER,
];
/** Seconds a browser may reuse a preflight answer (Chromium caps it at 7200). */
export const CORS_MAX_AGE = 7200;

/** The request's Origin if it is on the allow-list, compared whole: no suffix, pattern or scheme leniency. */
const allowOrigin = (requestOrigin: string, c: Context<AppEnv>) =>
  allowedOrigins(c.env).has(requestOrigin) ? requestOrigin : null;

/**
 * CORS for browser clients on other origins. Allow-listed origins may send credentials (the refresh
 * cookie of cookie mode, the device cookie of logins): Access-Control-Allow-Credentials goes to them
 * only, with their exact origin, never "*". A preflight is answered here, before authentication and
 * routing, with the methods the path supports (`methodsFor`, the same lookup as the Allow header).
 */
export function cors(methodsFor: (path: string) => string | undefined) {
  const handler = honoCors({
    origin: allowOrigin,
    allowMethods: (_origin, c) => methodsFor(c.req.path)?.split(", ") ?? [],
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAge: CORS_MAX_AGE,
    // hono/cors would send it to every origin; it is added below for the allowed ones only.
    credentials: false,
  });
  return createMiddleware<AppEnv>(async (c, next) => {
    const allowed = allowOrigin(c.req.header("Origin") ?? "", c);
    // hono/cors answers every OPTIONS as a preflight. Only one carrying Access-Control-Request-Method
    // is (Fetch standard); any other OPTIONS is DRF's metadata request, for the API to answer.
    if (c.req.method !== "OPTIONS" || c.req.header("Access-Control-Request-Method") !== undefined) {
      const preflight = await handler(c, next);
      if (allowed && preflight) preflight.headers.set("Access-Control-Allow-Credentials", "true");
      else if (allowed) c.header("Access-Control-Allow-Credentials", "true");
      return preflight;
    }
    await next();
    if (allowed) {
      c.header("Access-Control-Allow-Origin", allowed);
      c.header("Access-Control-Allow-Credentials", "true");
      c.header("Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS.join(","));
    }
    c.header("Vary", "Origin", { append: true });
  });
}
