import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { database } from "./db/client";
import type { AppEnv } from "./env";
import { allowedMethods } from "./lib/allowed-methods";
import { loadConfig } from "./lib/config";
import { methodNotAllowed, notFound, payloadTooLarge, renderError } from "./lib/errors";
import { JSON_BODY_LIMIT } from "./lib/validate";
import { authenticate } from "./middleware/authenticate";
import { accountRoutes } from "./routes/accounts";
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

  app.use(async (c, next) => {
    c.set("config", loadConfig(c.env));
    c.set("db", database(c.env.DB));
    await next();
    // DRF puts Allow on every response of a view, errors included.
    const allow = allowFor(c.req.path);
    if (allow && !c.res.headers.has("Allow")) c.header("Allow", allow);
  });
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: JSON_BODY_LIMIT,
      onError: () => {
        throw payloadTooLarge();
      },
    }),
  );
  // simplejwt's token views authenticate nobody (their authentication_classes is empty).
  app.use("/api/*", async (c, next) => (c.req.path.startsWith("/api/token/") ? next() : authenticate(c, next)));

  // Mount points end in "/" so that a router's "/" is the slash-terminated list URL DRF routes.
  app.route("/api/token/", tokenRoutes);
  app.route("/api/", accountRoutes);
  app.route("/api/users/", userRoutes);

  allowFor = allowedMethods(app.routes);
  return app;
}
