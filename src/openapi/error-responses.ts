import { z } from "zod";
import {
  notFound,
  payloadTooLarge,
  permissionDenied,
  preconditionFailed,
  serviceUnavailable,
  throttled,
  tokenNotValid,
  unsupportedMediaType,
  validationError,
} from "../lib/errors";
import type { ErrorStatus } from "./route-facts";

// The error bodies of src/lib/errors.ts (DRF's shapes), as reusable components of the document.

export const ErrorDetail = z.object({ detail: z.string() }).meta({ id: "ErrorDetail" });

/** simplejwt's 401 body: a `code`, and for a refused access token the `messages` per token class. */
export const AuthenticationError = ErrorDetail.extend({
  code: z.string().optional(),
  messages: z.array(z.object({ token_class: z.string(), token_type: z.string(), message: z.string() })).optional(),
}).meta({ id: "AuthenticationError" });

/** A serializer's errors: each field (or non_field_errors) with its messages. */
export const ValidationErrors = z.record(z.string(), z.array(z.string())).meta({ id: "ValidationErrors" });

const header = (description: string, schema: object) => ({ description, schema });

type ErrorResponse = {
  /** Its name under components/responses. */
  name: string;
  description: string;
  /** The body's schema; several: oneOf. */
  schema: z.ZodType[];
  /** A body the API gives, built by the error constructors themselves. */
  example: object;
  headers?: Record<string, object>;
};

/** Every error status an operation can document, as components/responses. */
export const ERROR_RESPONSES: Record<ErrorStatus, ErrorResponse> = {
  400: {
    name: "ValidationError",
    description: "Invalid input: the serializer's errors by field, or `detail` for a body that is not JSON.",
    schema: [ValidationErrors, ErrorDetail],
    example: validationError({ username: ["This field is required."], non_field_errors: ["Passwords don't match"] })
      .body,
  },
  401: {
    name: "NotAuthenticated",
    description: "No credentials where they are required, or a bad, expired or revoked token.",
    schema: [AuthenticationError],
    example: tokenNotValid("Token is expired").body,
    headers: { "WWW-Authenticate": header('`Bearer realm="api"`', { type: "string" }) },
  },
  403: {
    name: "PermissionDenied",
    description:
      "Authenticated, but not allowed to do this; or, for a refresh token taken from the __Host-refresh cookie, " +
      "a request without `X-Token-Transport: cookie` or from an origin not allowed (CSRF check failed).",
    schema: [ErrorDetail],
    example: permissionDenied().body,
  },
  404: {
    name: "NotFound",
    description: "No such object, or not one the caller may see.",
    schema: [ErrorDetail],
    example: notFound("Book").body,
  },
  412: {
    name: "PreconditionFailed",
    description: "A conditional request's precondition (If-Match, If-Unmodified-Since) failed.",
    schema: [ErrorDetail],
    example: preconditionFailed().body,
  },
  413: {
    name: "PayloadTooLarge",
    description: "The body is larger than this endpoint takes.",
    schema: [ErrorDetail],
    example: payloadTooLarge().body,
  },
  415: {
    name: "UnsupportedMediaType",
    description: "The body is not of a media type this endpoint takes.",
    schema: [ErrorDetail],
    example: unsupportedMediaType("text/plain").body,
  },
  429: {
    name: "Throttled",
    description: "Throttled by one of DRF's throttle classes; readable cross-origin (CORS exposes these headers).",
    schema: [ErrorDetail],
    example: throttled(37).body,
    headers: {
      "Retry-After": header("Whole seconds until a request would be accepted (DRF's wait), when known.", {
        type: "integer",
        minimum: 1,
      }),
      RateLimit: header('draft-ietf-httpapi-ratelimit-headers, per throttle scope: `"user";r=0;t=37`.', {
        type: "string",
      }),
      "RateLimit-Policy": header('The throttle scopes that apply: `"user";q=1000;w=3600`.', { type: "string" }),
    },
  },
  503: {
    name: "ServiceUnavailable",
    description: "A service this endpoint depends on is unavailable; try again later.",
    schema: [ErrorDetail],
    example: serviceUnavailable("Login is temporarily unavailable, please try again later.").body,
  },
};
