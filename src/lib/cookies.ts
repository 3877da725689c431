import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { allowedOrigins } from "./allowed-origins";
import { nowSeconds } from "./clock";
import { ApiError, validationError } from "./errors";

// The API's two cookies, both `__Host-` (this origin only, Secure, Path=/), HttpOnly (no script, an
// injected one included, can read them) and SameSite=Strict:
// - `__Host-refresh`: the refresh token of a client in cookie mode (IETF OAuth for Browser-Based Apps;
//   dj-rest-auth's cookie mode). A client that sends `X-Token-Transport: cookie` gets its refresh token
//   here instead of in the JSON body; bearer clients (no header) are unchanged.
// - `__Host-device`: the device token of a client that has logged in (services/devices.ts).
// - `__Host-mfa`: the nonce an MFA challenge is bound to, for the five minutes it lives
//   (services/mfa-challenge.ts): only the client that got the challenge can answer it.

export const TRANSPORT_HEADER = "X-Token-Transport";
const REFRESH_COOKIE = "refresh";
const DEVICE_COOKIE = "device";
const CHALLENGE_COOKIE = "mfa";
const COOKIE_OPTIONS = { prefix: "host", httpOnly: true, secure: true, sameSite: "Strict", path: "/" } as const;

/** Whether the client asked for cookie mode. */
export const wantsCookie = (c: Context) => c.req.header(TRANSPORT_HEADER)?.trim().toLowerCase() === "cookie";

/**
 * Hands a refresh token (expiring at `exp`, epoch seconds) to the client: as the `__Host-refresh`
 * cookie in cookie mode, and then left out of the body; in the body otherwise.
 */
export function deliverRefresh(c: Context, refresh: string, exp: number): { refresh?: string } {
  if (!wantsCookie(c)) return { refresh };
  setCookie(c, REFRESH_COOKIE, refresh, { ...COOKIE_OPTIONS, maxAge: Math.max(0, exp - nowSeconds()) });
  return {};
}

/** The session is over for this client: its refresh cookie, if any, goes. */
export function clearRefreshCookie(c: Context): void {
  if (getCookie(c, REFRESH_COOKIE, "host") !== undefined) deleteCookie(c, REFRESH_COOKIE, COOKIE_OPTIONS);
}

const csrfRefused = (why: string) => new ApiError(403, { detail: `CSRF check failed: ${why}` });

/**
 * The refresh token of a refresh or logout: the body's, as simplejwt reads it, or else the cookie's.
 * A cookie is sent by the browser whoever asked, so it is only taken from a request that could not
 * have been forged by another site: one with the custom header (which forces a CORS preflight) and an
 * Origin on the allow-list.
 */
export function refreshTokenOf(c: Context, fromBody: string | undefined): string {
  if (fromBody !== undefined) return fromBody;
  const cookie = getCookie(c, REFRESH_COOKIE, "host");
  if (cookie === undefined) throw validationError({ refresh: ["This field is required."] });
  if (!wantsCookie(c)) throw csrfRefused(`the refresh cookie is only read with ${TRANSPORT_HEADER}: cookie.`);
  const origin = c.req.header("Origin");
  if (origin === undefined || !allowedOrigins(c.env).has(origin)) {
    throw csrfRefused("the request's Origin is not one of CORS_ALLOWED_ORIGINS.");
  }
  return cookie;
}

/** The device token the client brought, if any (whether it is valid is services/devices.ts's question). */
export const deviceCookie = (c: Context) => getCookie(c, DEVICE_COOKIE, "host");

/** Makes the client a known device: its device token, for `maxAge` seconds. */
export const setDeviceCookie = (c: Context, token: string, maxAge: number) =>
  setCookie(c, DEVICE_COOKIE, token, { ...COOKIE_OPTIONS, maxAge });

/** The nonce of the MFA challenge the client was given, if it kept it. */
export const challengeCookie = (c: Context) => getCookie(c, CHALLENGE_COOKIE, "host");

/** Binds the client to an MFA challenge: its nonce, for as long as the challenge lives. */
export const setChallengeCookie = (c: Context, nonce: string, maxAge: number) =>
  setCookie(c, CHALLENGE_COOKIE, nonce, { ...COOKIE_OPTIONS, maxAge });

/** The challenge is answered: its cookie goes. */
export const clearChallengeCookie = (c: Context) => deleteCookie(c, CHALLENGE_COOKIE, COOKIE_OPTIONS);
