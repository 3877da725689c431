import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { User } from "../db/schema";
import type { AppEnv, AuthedEnv } from "../env";
import { notAuthenticated, permissionDenied } from "../lib/errors";
import { describes } from "../openapi/annotations";
import { applyThrottles, type ThrottleName } from "./throttle";

// DRF's permission classes. `Authed` records, for the type checker, whether passing the check
// guarantees a user, so handlers behind IsAuthenticated see `c.var.user: User`.
export type Permission<Authed extends boolean = boolean> = {
  readonly authed: Authed;
  hasPermission(c: Context<AppEnv>): boolean;
};

/** DRF's SAFE_METHODS: the methods that only read. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);
export const isSafeMethod = (c: Context) => SAFE_METHODS.has(c.req.method);

export const AllowAny: Permission<false> = { authed: false, hasPermission: () => true };
export const IsAuthenticated: Permission<true> = { authed: true, hasPermission: (c) => c.var.user !== null };
/** DRF's IsAdminUser checks is_staff, not is_superuser. */
export const IsAdminUser: Permission<true> = { authed: true, hasPermission: (c) => c.var.user?.isStaff === true };
export const IsAuthenticatedOrReadOnly: Permission<false> = {
  authed: false,
  hasPermission: (c) => isSafeMethod(c) || c.var.user !== null,
};

type EnvFor<P extends Permission[]> = Extract<P[number], Permission<true>> extends never ? AppEnv : AuthedEnv;

/** DRF's rule: a refused anonymous request is 401 (the client should log in); a refused user is 403. */
function deny(c: Context<AppEnv>): never {
  throw c.var.user === null ? notAuthenticated() : permissionDenied();
}

/**
 * A view's permission_classes and throttle_classes, run in DRF's order: (authentication already
 * ran) → every permission must pass → throttles → the handler (for reads, alongside the throttles). `throttles` replaces the default throttles for
 * this route, as DRF's `throttle_classes` / `get_throttles()` do.
 */
export function permit<P extends Permission[]>(
  permissions: [...P],
  options: { throttles?: readonly ThrottleName[] } = {},
): MiddlewareHandler<EnvFor<P>> {
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    if (!permissions.every((p) => p.hasPermission(c))) deny(c);
    if (!isSafeMethod(c)) {
      await applyThrottles(c, options.throttles);
      return next();
    }
    // A read changes nothing, so it runs while the limiter decides instead of after it: one round
    // trip fewer in sequence. A refused request still answers 429 and nothing else.
    const [throttle, handler] = await Promise.allSettled([applyThrottles(c, options.throttles), next()]);
    if (throttle.status === "rejected") throw throttle.reason;
    if (handler.status === "rejected") throw handler.reason;
  }) as MiddlewareHandler<EnvFor<P>>;
  return describes(middleware, { kind: "permit", permissions, throttles: options.throttles });
}

/** An object-level rule, checked after the row is found (so a missing row is 404 before 403). */
export type ObjectPermission<T> = (c: Context<AppEnv>, obj: T) => boolean;

/** The tutorial's IsOwnerOrReadOnly: anyone may read, only the owner may write. */
export const IsOwnerOrReadOnly: ObjectPermission<{ ownerId: number }> = (c, obj) =>
  isSafeMethod(c) || (c.var.user as User | null)?.id === obj.ownerId;

export function checkObjectPermission<T>(c: Context<AppEnv>, obj: T, ...permissions: ObjectPermission<T>[]) {
  if (!permissions.every((p) => p(c, obj))) deny(c);
}
