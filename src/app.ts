import { Hono } from "hono";
import type { Env as HonoEnv, Schema } from "hono/types";
import type { AppEnv } from "./env";
import { renderError } from "./lib/errors";
import { browsableApi } from "./middleware/browsable-api";
import { configuration } from "./middleware/config";
import { cors } from "./middleware/cors";
import { d1Session } from "./middleware/d1-session";
import { requestLog } from "./middleware/request-log";
import { securityHeaders } from "./middleware/security-headers";
import { Views } from "./middleware/views";
import { AVATAR_UPLOAD_PATH, avatarRoutes, avatarUploadRoutes } from "./routes/avatars";
import { bookRoutes } from "./routes/books";
import { emailRoutes } from "./routes/email";
import { JWKS_PATH, jwksRoutes } from "./routes/jwks";
import { mfaRoutes } from "./routes/mfa";
import { passwordRoutes } from "./routes/password";
import { profileRoutes } from "./routes/profiles";
import { registrationRoutes } from "./routes/registration";
import { rootRoutes } from "./routes/root";
import { schemaRoutes } from "./routes/schema";
import { sessionRoutes } from "./routes/sessions";
import { taskRoutes } from "./routes/tasks";
import { LOGOUT_PATH, TOKEN_PATH, tokenRoutes } from "./routes/token";
import { userRoutes } from "./routes/users";
import { AVATAR_URL_PATH } from "./schemas/profiles";

/** DRF's API root (DefaultRouter's APIRootView), where the browsable API's header links to. */
const API_ROOT = "/api/";

export function createApp() {
  const app = new Hono<AppEnv>();
  const views = new Views();
  app.onError(renderError);
  app.notFound(views.unrouted);
  // The browsable API first: it renders, for a browser, the response everything else has made — the
  // request id, security and CORS headers included — and changes nothing else. A preflight (cors) is
  // answered before anything that can refuse a request; every route declares its own authentication,
  // permissions and throttles (permit).
  const browsable = browsableApi({
    viewOf: views.routesOf,
    paths: { login: TOKEN_PATH, logout: LOGOUT_PATH, root: API_ROOT },
  });
  app.use(browsable, requestLog, securityHeaders, cors(views.allow), configuration, d1Session, views.allowHeader);

  // Mount points end in "/" so that a router's "/" is the slash-terminated list URL DRF routes.
  const listPaths: Record<string, string> = {};
  /** A resource DRF's DefaultRouter lists at the API root, mounted at its list URL. */
  const resource = <E extends HonoEnv, S extends Schema, B extends string>(name: string, routes: Hono<E, S, B>) => {
    listPaths[name] = `/api/${name}/`;
    app.route(listPaths[name], routes);
  };
  app.route(API_ROOT, rootRoutes(listPaths));
  app.route(TOKEN_PATH, tokenRoutes);
  app.route("/api/", registrationRoutes);
  app.route("/api/", passwordRoutes);
  app.route("/api/", emailRoutes);
  app.route("/api/mfa/", mfaRoutes);
  resource("users", userRoutes);
  resource("books", bookRoutes);
  resource("tasks", taskRoutes);
  resource("profiles", profileRoutes);
  resource("sessions", sessionRoutes);
  app.route(AVATAR_UPLOAD_PATH, avatarUploadRoutes);
  app.route(AVATAR_URL_PATH, avatarRoutes);
  app.route(JWKS_PATH, jwksRoutes);
  app.route(
    "/api/",
    schemaRoutes(() => app.routes),
  );

  views.register(app.routes);
  return app;
}
