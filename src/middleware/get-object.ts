import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AuthedEnv } from "../env";
import { lookupId } from "../schemas/fields";

/** The env after getObject: the row it found is `c.var.found`. */
type WithFound<E extends { Variables: object }, T> = { Bindings: Env; Variables: E["Variables"] & { found: T } };

/**
 * DRF's get_object() for a detail route: `find` the row the URL names — none is the 404 `missing()` —
 * then `check` its object permissions (a 403 after the 404). It runs before the body is read, so a
 * missing or forbidden object is answered before any 400, in DRF's order. Handlers after it read the
 * row as `c.var.found`. `E` is the env the route's permissions guarantee (AuthedEnv unless anyone may read).
 */
export function getObject<T, E extends { Variables: object } = AuthedEnv>(
  find: (c: Context<WithFound<E, T>>, id: number | null) => Promise<T | null | undefined>,
  missing: () => Error,
  check: (c: Context<WithFound<E, T>>, found: T) => void = () => {},
): MiddlewareHandler<WithFound<E, T>> {
  return createMiddleware<WithFound<E, T>>(async (c, next) => {
    const found = await find(c, lookupId(c.req.param("id")));
    if (found === null || found === undefined) throw missing();
    check(c, found);
    c.set("found", found as WithFound<E, T>["Variables"]["found"]);
    await next();
  });
}
