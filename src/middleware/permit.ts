import type { Context, MiddlewareHandler, Next } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, AuthedEnv } from "../env";
import { notAuthenticated, permissionDenied } from "../lib/errors";
import { describes, type PermitFacts } from "../openapi/route-facts";
import { anonymous, authenticate, sendAccountLookup } from "./authenticate";
import { isSafeMethod, needsUserFor, type Permission } from "./permissions";
import { enforce, RequestThrottles, type ThrottleName } from "./throttle";

type EnvFor<P extends Permission[]> = Extract<P[number], Permission<true>> extends never ? AppEnv : AuthedEnv;

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
// Hono turns a handler's error into its response (next() does not reject): only the account can fail.
const settle = <T>(work: Promise<T>): Promise<Settled<T>> =>
  work.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/**
 * DRF's APIView.initial() — authentication, then permissions, then throttles — with DRF's outcome
 * and order, but in one round of I/O instead of three in sequence:
 *
 * - The token is verified first (no I/O); an anonymous request a permission refuses is answered at
 *   once, and so is one whose throttles this isolate knows are all full.
 * - Otherwise the account lookup (which also checks the session), the limiter and — for a safe
 *   method — the handler itself run together; the handler's first query carries the account lookup
 *   in its batch. Their outcomes are then read in DRF's order: a failed authentication, then a
 *   permission, then a throttle, then the handler's own answer, which is discarded unseen if anything
 *   before it refused. A request refused before its throttles is taken back from them, as DRF never
 *   counts it.
 * - A write runs its handler only after everything has passed. So does a read when a throttle is
 *   known to be full: a request the throttles refuse starts no query.
 *
 * `next` is the handler (and the middleware after this); null when the caller answers by itself.
 * Returns once the request may be answered; the handler has then run if it was a read.
 */
export async function initial(
  c: Context<AppEnv>,
  view: Pick<PermitFacts, "permissions" | "throttles" | "authenticate">,
  next: Next | null,
): Promise<void> {
  const { permissions } = view;
  if (view.authenticate) await authenticate(c);
  else anonymous(c);
  const { caller } = c.var;
  if (caller === null && permissions.some((p) => needsUserFor(p, c.req.method))) throw notAuthenticated();

  const throttles = new RequestThrottles(c, view.throttles);
  const known = throttles.known();
  const accountDecides = caller !== null && permissions.some((p) => p.allowsAccount !== undefined);
  let enforced = false;
  if (known !== "none" && !accountDecides) {
    // Refused for certain: ask only the limiter (the throttles that still pass must count the request).
    // Admitted after all means another isolate gave a slot back: carry on as usual.
    enforce(c, await throttles.verdicts());
    enforced = true;
  }
  const alongside = next !== null && isSafeMethod(c) && known === "none";
  // What the response carried before the handler added its own (a body, caching headers, an ETag).
  const before = alongside ? new Headers(c.res.headers) : null;
  const handler = alongside ? next() : null;
  sendAccountLookup(c);
  const [account, verdicts] = await Promise.all([settle(c.var.user), throttles.verdicts(), handler]);

  /** A refusal replaces whatever the handler answered, headers included. */
  const refuse = (error: unknown): never => {
    if (before) restoreHeaders(c, before);
    throw error;
  };
  if (!account.ok) {
    throttles.refund(verdicts);
    refuse(account.error);
  }
  const user = account.ok ? account.value : null;
  const refusing =
    user !== null && caller !== null && permissions.find((p) => !(p.allowsAccount?.(user, caller) ?? true));
  if (refusing) {
    throttles.refund(verdicts);
    refuse(refusing.refusal?.() ?? permissionDenied());
  }
  if (!enforced) {
    try {
      enforce(c, verdicts);
    } catch (e) {
      refuse(e);
    }
  }
  if (next !== null && !alongside) await next();
}

function restoreHeaders(c: Context, before: Headers): void {
  for (const name of [...c.res.headers.keys()]) if (!before.has(name)) c.header(name, undefined);
  for (const [name, value] of before) c.header(name, value);
}

export type PermitOptions = {
  /** Replaces DEFAULT_THROTTLE_CLASSES for this route, as DRF's `throttle_classes` / `get_throttles()` do. */
  throttles?: readonly ThrottleName[];
  /**
   * Where the route's reads go (middleware/d1-session.ts), when not where its method and caller send
   * them: "primary" for a route that decides on what it reads (a superuser flag, a token's state),
   * "nearby" for one whose write re-checks in its own statement what the decision rested on.
   */
  reads?: "primary" | "nearby";
  /** false: no Bearer authentication, every request anonymous (simplejwt's token views: `authentication_classes = ()`). */
  authenticate?: boolean;
  /**
   * The view takes or gives credentials (a password, a token): none of its answers — errors, 405 and
   * OPTIONS included — may be kept by a cache (RFC 6749 §5.1).
   */
  noStore?: boolean;
};

/** A view's authentication, permission_classes and throttle_classes, run by `initial`. */
export function permit<P extends Permission[]>(
  permissions: [...P],
  options: PermitOptions = {},
): MiddlewareHandler<EnvFor<P>> {
  const facts: PermitFacts = {
    kind: "permit",
    permissions,
    throttles: options.throttles,
    authenticate: options.authenticate ?? true,
    reads: options.reads,
    noStore: options.noStore ?? false,
  };
  const middleware = createMiddleware<AppEnv>((c, next) => {
    if (facts.noStore) c.header("Cache-Control", "no-store");
    return initial(c, facts, next);
  }) as MiddlewareHandler<EnvFor<P>>;
  return describes(middleware, facts);
}
