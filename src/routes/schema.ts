import { SwaggerUI } from "@hono/swagger-ui";
import { Hono } from "hono";
import type { RouterRoute } from "hono/types";
import { version } from "../../package.json";
import type { AppEnv } from "../env";
import { AllowAny } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { type DocumentOptions, openApiDocument } from "../openapi/document";

// Swagger UI loads from jsDelivr at this version: pinned, and the devDependency swagger-ui-dist's, so
// that test/browser can serve the very same files (it refuses any other version).
const SWAGGER_UI_VERSION = "5.35.0";
const CDN = "https://cdn.jsdelivr.net";

// The page's own CSP, replacing the API's "nothing loads": Swagger UI's script and styles from the CDN,
// its inline start-up script and style attributes, and requests to this API only.
const DOCS_CSP = [
  "default-src 'none'",
  `script-src 'unsafe-inline' ${CDN}`,
  `style-src 'unsafe-inline' ${CDN}`,
  `img-src 'self' data: ${CDN}`,
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>edge-drf-api · API docs</title>
  </head>
  <body>
    ${SwaggerUI({ url: "/api/schema/", version: SWAGGER_UI_VERSION, validatorUrl: "none" })}
  </body>
</html>`;

const description = `A Django REST Framework + simplejwt compatible API on Cloudflare Workers.

Authenticate with \`Authorization: Bearer <access>\`, the access token from \`POST /api/token/\` (or
registration). Errors have DRF's shapes: \`{"detail": "..."}\` or \`{"field": ["message", ...]}\`.
Every response carries \`Allow\`; a method a path does not support is 405.`;

/**
 * drf-spectacular's SpectacularAPIView and SpectacularSwaggerView. `routes` is read on the first
 * request, once every route is registered; the document is built once per isolate.
 */
export function schemaRoutes(routes: () => readonly RouterRoute[], authenticates: DocumentOptions["authenticates"]) {
  let document: object | undefined;
  return new Hono<AppEnv>()
    .get("/schema/", permit([AllowAny]), (c) => {
      document ??= openApiDocument(routes(), { title: "edge-drf-api", version, description, authenticates });
      return c.json(document);
    })
    .get("/docs/", permit([AllowAny]), (c) => c.html(DOCS_PAGE, 200, { "Content-Security-Policy": DOCS_CSP }));
}
