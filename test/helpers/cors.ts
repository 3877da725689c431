import { call } from "./http";

/** An allowed origin: wrangler.toml's local CORS_ALLOWED_ORIGINS starts with it. */
export const SPA = "http://localhost:5173";

/**
 * A browser's CORS preflight for `method` on `path` from `origin`, announcing Authorization and
 * Content-Type (`headers` are added, or replace these).
 */
export const preflight = (path: string, method = "POST", origin = SPA, headers: Record<string, string> = {}) =>
  call("OPTIONS", path, undefined, {
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": method,
      "Access-Control-Request-Headers": "authorization,content-type",
      ...headers,
    },
  });
