import type { Context } from "hono";
import { cors as honoCors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import type { AppEnv } from "../env";
import { ConfigurationError } from "../lib/config";
import { perObject } from "../lib/per-object";
import { REQUEST_ID_HEADER } from "./request-log";

/**
 * D1's Sessions API bookmark, both ways: the API sends the newest database version a request saw, and
 * a client that sends it back reads from a replica at least that new (its own writes included).
 */
export const BOOKMARK_HEADER = "x-d1-bookmark";
/** What a browser script may send besides CORS-safelisted headers (X-Token-Transport: cookie mode). */
export const CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", BOOKMARK_HEADER, "X-Token-Transport"];
/** What a browser script may read besides CORS-safelisted headers: how long it is throttled for, the bookmark, the request id. */
export const CORS_EXPOSE_HEADERS = ["Retry-After", "RateLimit", "RateLimit-Policy", BOOKMARK_HEADER, REQUEST_ID_HEADER];
/** Seconds a browser may reuse a preflight answer (Chromium caps it at 7200). */
export const CORS_MAX_AGE = 7200;

// An origin exactly as a browser sends it: scheme://host[:port], lowercase, no path, no trailing slash.
// "null" (sandboxed frames, file: pages: anyone can produce it) is refused, not just never matched;
// so are wildcards, which would otherwise sit in the list looking as if they matched something.
const origin = z
  .string()
  .refine((text) => !text.includes("*"), "is a wildcard: list every origin, they are compared exactly")
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === "https:" || url.protocol === "http:") && url.origin === text;
    } catch {
      return false;
    }
  }, "is not an origin: write scheme://host[:port] with nothing after it, e.g. https://app.example.com");

const originList = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const origins = new Set<string>();
    for (const item of (text ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean)) {
      const parsed = origin.safeParse(item);
      if (parsed.success) origins.add(parsed.data);
      else ctx.addIssue(`CORS_ALLOWED_ORIGINS: "${item}" ${parsed.error.issues[0]?.message}`);
    }
    return origins;
  });

/**
 * CORS_ALLOWED_ORIGINS (comma-separated) as a set; unset or empty allows no other origin. Parsed
 * apart from loadConfig because preflights are answered before the rest of the config is read.
 */
export const allowedOrigins = perObject((env: Env): ReadonlySet<string> => {
  const parsed = originList.safeParse(env.CORS_ALLOWED_ORIGINS);
  if (!parsed.success) throw ConfigurationError.fromIssues(parsed.error.issues);
  return parsed.data;
});

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
