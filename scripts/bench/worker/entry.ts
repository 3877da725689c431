// The Worker `npm run bench` serves: the real app, untouched, behind the bench's request headers
// (bench-env.ts), plus bench-only routes under /__bench/. Nothing here is part of the public API.
import { Hono } from "hono";
import app from "../../../src/index";
import { benchEnv, MODEL_HEADER } from "./bench-env";
import { withIoLog } from "./io-log";

export * from "../../../src/index";

export type BenchRoutes = Hono<{ Bindings: Env }>;

/** A bare Hono route on the same server: what HTTP and workerd cost without the app. */
export const benchRoutes = (): BenchRoutes =>
  new Hono<{ Bindings: Env }>().get("/__bench/ceiling", (c) => c.json({ ok: true }));

export function benchWorker(routes: BenchRoutes): ExportedHandler<Env> {
  return {
    fetch(request, env, ctx) {
      if (new URL(request.url).pathname.startsWith("/__bench/")) return routes.fetch(request, env, ctx);
      let requestEnv: Env;
      try {
        requestEnv = benchEnv(env, request.headers);
      } catch (e) {
        return new Response(String(e), { status: 400 });
      }
      if (!request.headers.has(MODEL_HEADER)) return app.fetch(request, requestEnv, ctx);
      return withIoLog(() => app.fetch(request, requestEnv, ctx));
    },
  };
}

export default benchWorker(benchRoutes());
