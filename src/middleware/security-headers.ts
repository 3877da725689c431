import { secureHeaders } from "hono/secure-headers";

/**
 * Headers on every response, errors and preflights included. A route that sets one itself keeps
 * its own (the docs page its CSP; avatars their caching). JSON is never a document, so the
 * default CSP lets nothing load and nothing frame it.
 */
export const securityHeaders = secureHeaders({
  overwrite: false,
  xContentTypeOptions: true,
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  xFrameOptions: "DENY",
  // One year, as ASVS asks; browsers ignore it over plain http (wrangler dev).
  strictTransportSecurity: "max-age=31536000; includeSubDomains",
  // Clients are pages on other origins: CORS decides who reads a response, and <img> tags on
  // those pages must be able to load avatars, which "same-origin" would forbid.
  crossOriginResourcePolicy: false,
});
