import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { ApiError, validationError } from "../lib/errors";
import { allowedOrigins } from "./cors";

// Refresh tokens for browsers (IETF OAuth for Browser-Based Apps; dj-rest-auth's cookie mode): a
// client that sends `X-Token-Transport: cookie` gets its refresh token as an HttpOnly cookie, which
// no script — an injected one included — can read, instead of in the JSON body. Bearer clients (no
// header) are unchanged.

export const TRANSPORT_HEADER = "X-Token-Transport";
const REFRESH_COOKIE = "refresh";
const COOKIE_OPTIONS = { prefix: "host", httpOnly: true, secure: true, sameSite: "Strict", path: "/" } as const;

// Any route's context (its variables differ): these read only headers, cookies and the env's allow-list.
// biome-ignore lint/suspicious/noExplicitAny: Context's env parameter is invariant; nothing here reads it.
type Ctx = Context<any>;

/** Whether the client asked for cookie mode. */
export const wantsCookie = (c: Ctx) => c.req.header(TRANSPORT_HEADER)?.trim().toLowerCase() === "cookie";

/**
 * Hands a refresh token (expiring at `exp`, epoch seconds) to the client: as the `__Host-refresh`
 * cookie in cookie mode, and then left out of the body; in the body otherwise.
 */
export function deliverRefresh(c: Ctx, refresh: string, exp: number): { refresh?: string } {
  if (!wantsCookie(c)) return { refresh };
  const maxAge = Math.max(0, exp - Math.floor(Date.now() / 1000));
  setCookie(c, REFRESH_COOKIE, refresh, { ...COOKIE_OPTIONS, maxAge });
  return {};
}

/** The session is over for this client: its refresh cookie, if any, goes. */
export function clearRefreshCookie(c: Ctx): void {
  if (getCookie(c, REFRESH_COOKIE, "host") !== undefined) deleteCookie(c, REFRESH_COOKIE, COOKIE_OPTIONS);
}

const csrfRefused = (why: string) => new ApiError(403, { detail: `CSRF check failed: ${why}` });

/**
 * The refresh token of a refresh or logout: the body's, as simplejwt reads it, or else the cookie's.
 * A cookie is sent by the browser whoever asked, so it is only taken from a request that could not
 * have been forged by another site: one with the custom header (which forces a CORS preflight) and an
 * Origin on the allow-list.
 */
export function refreshTokenOf(c: Ctx, fromBody: string | undefined): string {
  if (fromBody !== undefined) return fromBody;
  const cookie = getCookie(c, REFRESH_COOKIE, "host");
  if (cookie === undefined) throw validationError({ refresh: ["This field is required."] });
  if (!wantsCookie(c)) throw csrfRefused(`the refresh cookie is only read with ${TRANSPORT_HEADER}: cookie.`);
  const origin = c.req.header("Origin");
  if (origin === undefined || !allowedOrigins(c.env as Env).has(origin)) {
    throw csrfRefused("the request's Origin is not one of CORS_ALLOWED_ORIGINS.");
  }
  return cookie;
}
