import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { database } from "./db/client";
import type { AppEnv } from "./env";
import { allowedMethods } from "./lib/allowed-methods";
import { loadConfig } from "./lib/config";
import { methodNotAllowed, notFound, payloadTooLarge, renderError } from "./lib/errors";
import { JSON_BODY_LIMIT } from "./lib/validate";
import { authenticate } from "./middleware/authenticate";
import { cors } from "./middleware/cors";
import { securityHeaders } from "./middleware/security-headers";
import { accountRoutes } from "./routes/accounts";
import { AVATAR_UPLOAD_PATH, avatarRoutes, avatarUploadRoutes } from "./routes/avatars";
import { bookRoutes } from "./routes/books";
import { profileRoutes } from "./routes/profiles";
import { AVATAR_URL_PATH } from "./schemas/profiles";
import { schemaRoutes } from "./routes/schema";
import { taskRoutes } from "./routes/tasks";
import { tokenRoutes } from "./routes/token";
import { userRoutes } from "./routes/users";

export function createApp() {
  const app = new Hono<AppEnv>();
  // Filled in once every route is registered (below); read per request.
  let allowFor: (path: string) => string | undefined = () => undefined;

  app.onError(renderError);
  app.notFound((c) => {
    const allow = allowFor(c.req.path);
    if (!allow) return renderError(notFound(), c);
    if (c.req.method === "OPTIONS") return c.json({ renders: ["application/json"], parses: ["application/json"] });
    return renderError(methodNotAllowed(c.req.method, allow), c);
  });

  app.use(securityHeaders);
  // Before anything that can refuse a request: a preflight needs no config, database or token.
  app.use(cors((path) => allowFor(path)));
  app.use(async (c, next) => {
    c.set("config", loadConfig(c.env));
    c.set("db", database(c.env.DB));
    await next();
    // DRF puts Allow on every response of a view, errors included.
    const allow = allowFor(c.req.path);
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
  const authenticates = (path: string) => !path.startsWith("/api/token/");
  app.use("/api/*", async (c, next) => (authenticates(c.req.path) ? authenticate(c, next) : next()));

  // Mount points end in "/" so that a router's "/" is the slash-terminated list URL DRF routes.
  app.route("/api/token/", tokenRoutes);
  app.route("/api/", accountRoutes);
  app.route("/api/users/", userRoutes);
  app.route("/api/books/", bookRoutes);
  app.route("/api/tasks/", taskRoutes);
  app.route("/api/profiles/", profileRoutes);
  app.route(AVATAR_UPLOAD_PATH, avatarUploadRoutes);
  app.route(AVATAR_URL_PATH, avatarRoutes);
  app.route("/api/", schemaRoutes(() => app.routes, authenticates));

  allowFor = allowedMethods(app.routes);
  return app;
}
