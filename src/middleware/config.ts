import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { loadConfig } from "../lib/config";

/** The configuration on `c.var.config`, parsed once per isolate; a misconfiguration is answered by renderError. */
export const configuration = createMiddleware<AppEnv>(async (c, next) => {
  c.set("config", loadConfig(c.env));
  await next();
});
