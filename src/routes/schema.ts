import { Hono } from "hono";
import type { RouterRoute } from "hono/types";
import { version } from "../../package.json";
import type { AppEnv } from "../env";
import { AllowAny } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { describe, ok } from "../openapi/describe";
import { openApiDocument } from "../openapi/document";

// Swagger UI is served by the Worker's own static assets (public/api/docs/assets/: the initializer,
// and swagger-ui-dist's files copied there by scripts/swagger-ui-assets.mjs), never from a CDN: the
// page works offline and its CSP allows this origin only, with no inline script or style.
const ASSETS = "/api/docs/assets";

const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
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
    <link rel="stylesheet" href="${ASSETS}/swagger-ui/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui" data-url="/api/schema/"></div>
    <script src="${ASSETS}/swagger-ui/swagger-ui-bundle.js"></script>
    <script src="${ASSETS}/swagger-initializer.js"></script>
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
export function schemaRoutes(routes: () => readonly RouterRoute[]) {
  let document: object | undefined;
  return new Hono<AppEnv>()
    .get(
      "/schema/",
      describe({
        tag: "schema",
        summary: "This OpenAPI 3.1 document",
        description:
          "Built from the routes themselves: the bodies their validators take, the permissions and throttles they " +
          "run, the errors they answer. Generate a typed client from it (openapi-typescript).",
        responses: ok("The document.", { mediaType: "application/json", schema: { type: "object" } }),
      }),
      permit([AllowAny]),
      (c) => {
        document ??= openApiDocument(routes(), { title: "edge-drf-api", version, description });
        return c.json(document);
      },
    )
    .get(
      "/docs/",
      describe({
        tag: "schema",
        summary: "Interactive documentation (Swagger UI)",
        description:
          "Served from this origin, no CDN. Authorize with an access token to try the operations that show a padlock.",
        responses: ok("An HTML page.", { mediaType: "text/html", schema: { type: "string" } }),
      }),
      permit([AllowAny]),
      (c) => c.html(DOCS_PAGE, 200, { "Content-Security-Policy": DOCS_CSP }),
    );
}
