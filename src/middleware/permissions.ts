import type { User } from "../db/schema";
import type { Caller } from "../env";
import { ApiError, notAuthenticated, permissionDenied } from "../lib/errors";

/** What a permission reads of a request: its method and who calls (any route's context has both). */
type Request = { req: { method: string }; var: { caller: Caller | null } };

/** DRF's SAFE_METHODS: the methods that only read. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);
export const isSafeMethod = (c: Pick<Request, "req">) => SAFE_METHODS.has(c.req.method);

/**
 * A DRF permission class, as facts: which requests need a signed-in user (refused anonymous: 401),
 * and what the account itself must satisfy (refused user: 403). `Authed` records, for the type
 * checker, whether passing guarantees a user, so handlers behind IsAuthenticated see a non-null caller.
 */
export type Permission<Authed extends boolean = boolean> = {
  readonly name: string;
  readonly authed: Authed;
  /** "always": every request needs a user; "unsafe": only writes do (…OrReadOnly); "never": nobody. */
  readonly needsUser: "always" | "unsafe" | "never";
  /** A rule on the signed-in account (and the session it calls with), decided once it has been looked up. */
  readonly allowsAccount?: (user: User, caller: Caller) => boolean;
  /** What a signed-in user it refuses is told: DRF's PermissionDenied unless the class says more. */
  readonly refusal?: () => ApiError;
};

export const AllowAny: Permission<false> = { name: "AllowAny", authed: false, needsUser: "never" };
export const IsAuthenticated: Permission<true> = { name: "IsAuthenticated", authed: true, needsUser: "always" };
/** DRF's IsAdminUser checks is_staff, not is_superuser. */
export const IsAdminUser: Permission<true> = {
  name: "IsAdminUser",
  authed: true,
  needsUser: "always",
  allowsAccount: (user) => user.isStaff,
};
/**
 * Step-up: once an account has a second factor, what could take the account over — its password, its
 * email, the factor itself, the recovery codes — needs a session that used it (aal2). 403 with a code
 * the SPA acts on: ask for the code (log in again through /api/mfa/verify/).
 */
export const SecondFactorWhenEnabled: Permission<true> = {
  name: "SecondFactorWhenEnabled",
  authed: true,
  needsUser: "always",
  allowsAccount: (user, caller) => !user.mfaEnabled || caller.aal === "aal2",
  refusal: () =>
    new ApiError(403, {
      detail: "This needs a session that used your second factor: log in again with your code.",
      code: "mfa_step_up_required",
    }),
};

export const IsAuthenticatedOrReadOnly: Permission<false> = {
  name: "IsAuthenticatedOrReadOnly",
  authed: false,
  needsUser: "unsafe",
};

/** Whether `permission` needs a signed-in user for a request with this method. */
export const needsUserFor = (permission: Pick<Permission, "needsUser">, method: string) =>
  permission.needsUser === "always" || (permission.needsUser === "unsafe" && !SAFE_METHODS.has(method));

/** DRF's rule: a refused anonymous request is 401 (the client should log in); a refused user is 403. */
export function deny(c: Request): never {
  throw c.var.caller === null ? notAuthenticated() : permissionDenied();
}

/** An object-level rule, checked after the row is found (so a missing row is 404 before 403). */
export type ObjectPermission<T> = (c: Request, obj: T) => boolean;

/** The tutorial's IsOwnerOrReadOnly: anyone may read, only the owner may write. */
export const IsOwnerOrReadOnly: ObjectPermission<{ ownerId: number }> = (c, obj) =>
  isSafeMethod(c) || c.var.caller?.userId === obj.ownerId;

export function checkObjectPermission<T>(c: Request, obj: T, ...permissions: ObjectPermission<T>[]) {
  if (!permissions.every((p) => p(c, obj))) deny(c);
}
