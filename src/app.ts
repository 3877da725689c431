import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { findTargetHandler } from "hono/utils/handler";
import { database } from "./db/client";
import { RequestD1, sessionStart } from "./db/request-d1";
import type { AppEnv } from "./env";
import { slashMissing } from "./lib/append-slash";
import { loadConfig } from "./lib/config";
import { methodNotAllowed, notFound, payloadTooLarge, renderError } from "./lib/errors";
import { JSON_BODY_LIMIT } from "./lib/validate";
import { type View, views } from "./lib/views";
import { authenticate } from "./middleware/authenticate";
import { BOOKMARK_HEADER, cors } from "./middleware/cors";
import { AllowAny, type Permission } from "./middleware/permissions";
import { initial, permissionsOn } from "./middleware/permit";
import { requestLog } from "./middleware/request-log";
import { securityHeaders } from "./middleware/security-headers";
import { accountRoutes } from "./routes/accounts";
import { AVATAR_UPLOAD_PATH, avatarRoutes, avatarUploadRoutes } from "./routes/avatars";
import { bookRoutes } from "./routes/books";
import { JWKS_PATH, jwksRoutes } from "./routes/jwks";
import { profileRoutes } from "./routes/profiles";
import { rootRoutes } from "./routes/root";
import { schemaRoutes } from "./routes/schema";
import { sessionRoutes } from "./routes/sessions";
import { taskRoutes } from "./routes/tasks";
import { tokenRoutes } from "./routes/token";
import { userRoutes } from "./routes/users";
import { AVATAR_URL_PATH } from "./schemas/profiles";

const ANONYMOUS = Promise.resolve(null);

/** DRF's answer to OPTIONS (SimpleMetadata, for views without a serializer form). */
const METADATA = { renders: ["application/json"], parses: ["application/json"] };

/**
 * The permissions DRF's view checks for OPTIONS and for a method it does not offer: those of the
 * view, which here are its GET route's (or, without one, its first route's).
 */
function viewPermissions(view: View): readonly Permission[] {
  const routes = view.routes.get("GET") ?? [...view.routes.values()][0] ?? [];
  return permissionsOn(routes.map((route) => findTargetHandler(route.handler))) ?? [AllowAny];
}

export function createApp() {
  const app = new Hono<AppEnv>();
  // Filled in once every route is registered (below); read per request.
  let viewOf: (path: string) => View | undefined = () => undefined;

  app.onError(renderError);
  app.notFound(async (c) => {
    const view = viewOf(c.req.path);
    if (!view) return renderError(slashMissing(c, viewOf) ?? notFound(), c);
    // DRF runs authentication, permissions and throttles for OPTIONS and unsupported methods too.
    await initial(c, viewPermissions(view), undefined, null);
    if (c.req.method === "OPTIONS") return c.json(METADATA);
    throw methodNotAllowed(c.req.method, view.allow);
  });

  app.use(requestLog);
  app.use(securityHeaders);
  // Before anything that can refuse a request: a preflight needs no config, database or token.
  app.use(cors((path) => viewOf(path)?.allow));
  app.use(async (c, next) => {
    c.set("config", loadConfig(c.env));
    const bookmark = c.req.header(BOOKMARK_HEADER);
    const d1 = new RequestD1(c.env.DB, sessionStart(c.req.method, bookmark), bookmark);
    c.set("db", database(d1));
    // DRF's AnonymousUser, until authentication says otherwise.
    c.set("caller", null);
    c.set("user", ANONYMOUS);
    await next();
    // The newest database version this request saw: sent back, it lets the client read its own writes.
    const seen = d1.bookmark();
    if (seen !== null) c.header(BOOKMARK_HEADER, seen);
    // DRF puts Allow on every response of a view, errors included.
    const allow = viewOf(c.req.path)?.allow;
    if (allow && !c.res.headers.has("Allow")) c.header("Allow", allow);
  });
  const jsonBodyLimit = bodyLimit({
    maxSize: JSON_BODY_LIMIT,
    onError: () => {
      throw payloadTooLarge();
    },
  });
  // The avatar upload takes images up to 2 MiB and applies that limit itself.
  app.use("/api/*", (c, next) => (c.req.path === AVATAR_UPLOAD_PATH ? next() : jsonBodyLimit(c, next)));
  // simplejwt's token views authenticate nobody (their authentication_classes is empty).
  const authenticates = (path: string) => path.startsWith("/api/") && !path.startsWith("/api/token/");
  app.use("/api/*", async (c, next) => {
    if (!authenticates(c.req.path)) return next();
    try {
      await authenticate(c, next);
    } finally {
      // RFC 6749 §5.1 / ASVS: nothing a request with credentials gets back is kept by a cache, unless
      // the route says otherwise (avatars are public and immutable); and shared caches must key on them.
      if (c.req.header("Authorization") !== undefined && !c.res.headers.has("Cache-Control")) {
        c.header("Cache-Control", "no-store");
      }
      c.header("Vary", "Authorization", { append: true });
    }
  });

  // Mount points end in "/" so that a router's "/" is the slash-terminated list URL DRF routes.
  app.route("/api/", rootRoutes);
  app.route("/api/token/", tokenRoutes);
  app.route("/api/", accountRoutes);
  app.route("/api/users/", userRoutes);
  app.route("/api/books/", bookRoutes);
  app.route("/api/tasks/", taskRoutes);
  app.route("/api/profiles/", profileRoutes);
  app.route("/api/sessions/", sessionRoutes);
  app.route(AVATAR_UPLOAD_PATH, avatarUploadRoutes);
  app.route(AVATAR_URL_PATH, avatarRoutes);
  app.route(JWKS_PATH, jwksRoutes);
  app.route(
    "/api/",
    schemaRoutes(() => app.routes, authenticates),
  );

  viewOf = views(app.routes);
  return app;
}
