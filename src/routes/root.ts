import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { AllowAny } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { describe, ok } from "../openapi/describe";

/**
 * DRF's API root, and a health check for monitors. `resources` are what DefaultRouter would list at
 * the root: each resource's name and the path of its list, as app.ts mounts them.
 */
export const rootRoutes = (resources: Readonly<Record<string, string>>) =>
  new Hono<AppEnv>()
    // DefaultRouter's APIRootView: each resource and the absolute URL of its list.
    .get(
      "/",
      describe({
        tag: "schema",
        summary: "The API root: each resource and the URL of its list (DRF's DefaultRouter)",
        description: "With `Accept: text/html` (a browser) or `?format=api`: DRF's browsable API, each URL a link.",
        responses: ok("Resource names → absolute list URLs.", z.record(z.string(), z.url())),
      }),
      permit([AllowAny]),
      (c) =>
        c.json(
          Object.fromEntries(Object.entries(resources).map(([name, path]) => [name, new URL(path, c.req.url).href])),
        ),
    )
    // Unthrottled, for monitors: 200 once the database has answered (as near the caller as a read), 503 if it cannot.
    .get(
      "/health/",
      describe({
        tag: "schema",
        summary: "Health check for monitors (unthrottled)",
        description: "200 once the database has answered a trivial query; 503 if it cannot.",
        responses: ok("Healthy.", z.object({ status: z.literal("ok") })),
        errors: [503],
      }),
      permit([AllowAny], { throttles: [] }),
      async (c) => {
        await c.var.db.run(sql`select 1`);
        return c.json({ status: "ok" });
      },
    );
