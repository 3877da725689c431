import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConfigurationError, explainsMisconfiguration } from "./config";
import { errorFields, logLine } from "./log";

/** DRF's error bodies: `{"detail": ...}` (plus simplejwt's `code`/`messages`) or `{"field": ["msg"]}`. */
export type ErrorBody = Record<string, unknown>;

// No parameter properties in lib: Node-side scripts load src/ modules with Node's type stripping,
// which refuses them.

/** The one error type handlers throw; `renderError` is the one place it becomes a response. */
export class ApiError extends HTTPException {
  readonly body: ErrorBody;
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, body: ErrorBody, headers: Record<string, string> = {}) {
    super(status, { message: typeof body.detail === "string" ? body.detail : "Invalid input." });
    this.body = body;
    this.headers = headers;
  }
}

// DRF answers 401 only when the first authenticator names a scheme; JWTAuthentication says this.
export const WWW_AUTHENTICATE = { "WWW-Authenticate": 'Bearer realm="api"' };

export const notAuthenticated = () =>
  new ApiError(401, { detail: "Authentication credentials were not provided." }, WWW_AUTHENTICATE);

/** A 401 with simplejwt's `{"detail", "code"[, "messages"]}` body (or DRF's plain `{"detail"}` without a code). */
export const authenticationFailed = (detail: string, extra: ErrorBody = {}) =>
  new ApiError(401, { detail, ...extra }, WWW_AUTHENTICATE);

/** A token refused by a token view (refresh, verify, blacklist): simplejwt's InvalidToken. */
export const tokenNotValid = (detail: string) => authenticationFailed(detail, { code: "token_not_valid" });

/** An access token refused by Bearer authentication: simplejwt's JWTAuthentication words it per token class. */
export const accessTokenRefused = (message: string) =>
  authenticationFailed("Given token not valid for any token type", {
    code: "token_not_valid",
    messages: [{ token_class: "AccessToken", token_type: "access", message }],
  });

export const permissionDenied = () =>
  new ApiError(403, { detail: "You do not have permission to perform this action." });

/** Django's get_object_or_404 message, e.g. "No Book matches the given query." */
export const notFound = (model?: string) =>
  new ApiError(404, { detail: model ? `No ${model} matches the given query.` : "Not found." });

export const methodNotAllowed = (method: string, allow: string) =>
  new ApiError(405, { detail: `Method "${method}" not allowed.` }, { Allow: allow });

export const validationError = (errors: Record<string, string[]>) => new ApiError(400, errors);

export const nonFieldError = (message: string) => validationError({ non_field_errors: [message] });

export const parseError = (detail: string) => new ApiError(400, { detail });

export const unsupportedMediaType = (contentType: string) =>
  new ApiError(415, { detail: `Unsupported media type "${contentType}" in request.` });

export const payloadTooLarge = () => new ApiError(413, { detail: "Request body is too large." });

export const preconditionFailed = () => new ApiError(412, { detail: "Precondition failed." });

/** Seconds a client is asked to wait before retrying a request a failing dependency refused. */
export const RETRY_AFTER_UNAVAILABLE = 5;

export const serviceUnavailable = (detail: string) =>
  new ApiError(503, { detail }, { "Retry-After": String(RETRY_AFTER_UNAVAILABLE) });

/**
 * A service the request needs did not answer (D1 unreachable or overloaded, R2 failing): thrown by
 * the code that calls it, answered 503 by renderError, however deep it is wrapped.
 */
export class DependencyUnavailable extends Error {
  override name = "DependencyUnavailable";
  readonly service: "database" | "storage";

  constructor(service: "database" | "storage", cause: unknown) {
    super(`${service} unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.service = service;
  }
}

const UNAVAILABLE_DETAIL = {
  database: "The database is temporarily unavailable, please try again later.",
  storage: "File storage is temporarily unavailable, please try again later.",
};

/**
 * DRF's Throttled: "1 second" singular, Retry-After the same whole number. A null wait (DRF's
 * wait() returning None, e.g. after a rate was lowered below the logged history) has neither.
 */
export const throttled = (waitSeconds: number | null, headers: Record<string, string> = {}) => {
  if (waitSeconds === null) return new ApiError(429, { detail: "Request was throttled." }, headers);
  const wait = Math.max(1, Math.ceil(waitSeconds));
  const unit = wait === 1 ? "second" : "seconds";
  return new ApiError(
    429,
    { detail: `Request was throttled. Expected available in ${wait} ${unit}.` },
    { ...headers, "Retry-After": String(wait) },
  );
};

/**
 * An error and what it wraps, outermost first (a cycle ends it). Libraries wrap what they catch
 * (Drizzle's DrizzleQueryError holds the D1 error, or an ApiError thrown from inside a query), so an
 * error is judged by what it started as.
 */
export function* causes(error: unknown): Generator<Error> {
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    yield e;
  }
}

/** The first error of a kind in `error`'s cause chain. */
function causeOf<T extends Error>(error: unknown, kind: abstract new (...args: never[]) => T): T | null {
  for (const e of causes(error)) if (e instanceof kind) return e;
  return null;
}

export function renderError(err: Error, c: Context): Response {
  const apiError = causeOf(err, ApiError);
  if (apiError) return c.json(apiError.body, apiError.status, apiError.headers);
  if (err instanceof HTTPException && err.status < 500) {
    return c.json({ detail: err.message || "Invalid request." }, err.status);
  }
  // Which request failed: the access line of the same id says how it was answered and how long it took.
  const request = { request_id: c.get("requestId") ?? null, method: c.req.method, path: c.req.path };
  const unavailable = causeOf(err, DependencyUnavailable);
  if (unavailable) {
    logLine("error", {
      event: "unavailable",
      ...request,
      service: unavailable.service,
      error: errorFields(unavailable),
    });
    return renderError(serviceUnavailable(UNAVAILABLE_DETAIL[unavailable.service]), c);
  }
  const misconfigured = causeOf(err, ConfigurationError);
  if (misconfigured) {
    // The log says which setting is wrong; the client learns it only in local development (lib/config.ts).
    logLine("error", { event: "misconfigured", ...request, error: errorFields(misconfigured) });
    const detail = explainsMisconfiguration(c.env, c.req.url)
      ? `The server is misconfigured: ${misconfigured.problems.join("; ")}`
      : "The server is misconfigured.";
    return c.json({ detail }, 500);
  }
  logLine("error", { event: "unhandled_error", ...request, error: errorFields(err) });
  return c.json({ detail: "A server error occurred." }, 500);
}
