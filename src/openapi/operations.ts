import { z } from "zod";
import type { ErrorStatus } from "./error-responses";
import { Book, Empty, JsonWebKeySet, PasswordChanged, Profile, Registration, Session, Task, TokenPair, User } from "./responses";

/** A body given by media type and JSON Schema, for what no zod schema describes (images, HTML). */
type RawBody = { mediaType: string; schema: object };
type SuccessStatus = 200 | 201 | 204 | 304;

/**
 * What the routes themselves cannot tell the document: a summary, the success responses and the
 * errors a handler raises on its own. Request bodies, parameters, security and the errors that
 * validation, authentication, permissions and throttles produce are read off the routes' middleware
 * (document.ts). test/openapi.test.ts fails for a route without an entry here, and for an entry
 * without a route.
 */
export type Operation = {
  tag: string;
  summary: string;
  description?: string;
  responses: Partial<Record<SuccessStatus, { description: string; body?: z.ZodType | RawBody }>>;
  errors?: ErrorStatus[];
  /** A request body that no JSON validator on the route describes (several: one per media type). */
  requestBody?: RawBody | RawBody[];
};

const ok = (description: string, body?: z.ZodType | RawBody) => ({ 200: { description, body } });
const created = (description: string, body: z.ZodType) => ({ 201: { description, body } });
const noContent = (description: string) => ({ 204: { description } });
const listOf = (schema: z.ZodType) => z.array(schema);

// Written `METHOD /openapi/{path}/`, the path as the document shows it.
export const OPERATIONS: Record<string, Operation> = {
  // simplejwt's views: they authenticate nobody, so a stale Authorization header never gets in the way.
  "POST /api/token/": {
    tag: "token",
    summary: "Log in: a new access and refresh token",
    description:
      "By `username` or `email`. At most 10 failed logins per account per hour from unknown clients (the `login` " +
      "throttle), and 10 more for each device that has logged in before (the `__Host-device` cookie set here). " +
      "With `X-Token-Transport: cookie`, the refresh token is set as the HttpOnly `__Host-refresh` cookie instead.",
    responses: ok("A new token pair (a new session).", TokenPair),
    errors: [401, 503],
  },
  "POST /api/token/refresh/": {
    tag: "token",
    summary: "Rotate a refresh token",
    description: "A refresh token works once: reusing one revokes its whole session.",
    responses: ok("A new access token and the next refresh token.", TokenPair),
    errors: [401],
  },
  "POST /api/token/verify/": {
    tag: "token",
    summary: "Check that a token is valid",
    responses: ok("The token is valid.", Empty),
    errors: [401],
  },
  "POST /api/token/blacklist/": {
    tag: "token",
    summary: "Log out: revoke the session of a refresh token",
    description: "Its access tokens stop working too.",
    responses: ok("The session is revoked.", Empty),
    errors: [401],
  },
  "GET /.well-known/jwks.json": {
    tag: "token",
    summary: "The public keys that verify this API's tokens (JWKS)",
    description:
      "RFC 7517 key set: the current, next and previous ES256/EdDSA keys, selected by a token's `kid`. " +
      "Cacheable for 10 minutes. 404 while the API signs with HS256 only (a shared secret is never published).",
    responses: ok("The key set.", JsonWebKeySet),
    errors: [404],
  },

  "GET /api/sessions/": {
    tag: "sessions",
    summary: "The caller's live sessions (one per login)",
    responses: ok("Newest first; `current` marks the calling token's.", listOf(Session)),
  },
  "DELETE /api/sessions/": {
    tag: "sessions",
    summary: "End every session of the caller: log out everywhere",
    description: "Their refresh and access tokens are refused from the next request; the refresh cookie is cleared.",
    responses: noContent("Ended."),
  },
  "DELETE /api/sessions/{id}/": {
    tag: "sessions",
    summary: "End one of the caller's sessions (a lost phone)",
    description: "Its refresh and access tokens are refused from the next request. Another user's session: 404.",
    responses: noContent("Ended."),
    errors: [404],
  },
  "DELETE /api/users/{id}/sessions/": {
    tag: "users",
    summary: "End every session of an account (staff)",
    description: "Only a superuser may do it for a superuser.",
    responses: noContent("Ended."),
    errors: [403],
  },

  "GET /api/": {
    tag: "schema",
    summary: "The API root: each resource and the URL of its list (DRF's DefaultRouter)",
    responses: ok("Resource names → absolute list URLs.", z.record(z.string(), z.url())),
  },
  "GET /api/health/": {
    tag: "schema",
    summary: "Health check for monitors (unthrottled)",
    description: "200 once the database has answered a trivial query; 503 if it cannot.",
    responses: ok("Healthy.", z.object({ status: z.literal("ok") })),
    errors: [503],
  },

  "POST /api/register/": {
    tag: "accounts",
    summary: "Create an account",
    responses: created("The account and its first token pair.", Registration),
  },
  "POST /api/password/change/": {
    tag: "accounts",
    summary: "Change the caller's password",
    description: "Ends every session of the account and answers a fresh token pair.",
    responses: ok("Changed; the new token pair.", PasswordChanged),
  },

  "GET /api/users/me/": { tag: "users", summary: "The caller's account", responses: ok("The account.", User) },
  "GET /api/users/": { tag: "users", summary: "Every account (staff)", responses: ok("The accounts.", listOf(User)) },
  "GET /api/users/{id}/": { tag: "users", summary: "One account (staff)", responses: ok("The account.", User) },
  "DELETE /api/users/{id}/login-failures/": {
    tag: "users",
    summary: "Forget an account's failed logins from unknown clients (staff)",
    description:
      "Lifts a lockout of the `login` throttle. Known devices keep their own counts. Only a superuser may do it for a superuser.",
    responses: noContent("Forgotten."),
    errors: [403, 503],
  },
  "PATCH /api/users/{id}/": {
    tag: "users",
    summary: "Change an account: names, email, is_active, is_staff (staff)",
    responses: ok("The changed account.", User),
  },

  "GET /api/books/": { tag: "books", summary: "Every book", responses: ok("The books, newest first.", listOf(Book)) },
  "POST /api/books/": {
    tag: "books",
    summary: "Add a book",
    description: "At most 5 books per user per day (the `book_create` throttle).",
    responses: created("The new book, owned by the caller.", Book),
  },
  "GET /api/books/{id}/": { tag: "books", summary: "One book", responses: ok("The book.", Book) },
  "PUT /api/books/{id}/": {
    tag: "books",
    summary: "Replace a book (its owner)",
    responses: ok("The changed book.", Book),
    errors: [403],
  },
  "PATCH /api/books/{id}/": {
    tag: "books",
    summary: "Change some fields of a book (its owner)",
    responses: ok("The changed book.", Book),
    errors: [403],
  },
  "DELETE /api/books/{id}/": {
    tag: "books",
    summary: "Delete a book (its owner)",
    responses: noContent("Deleted."),
    errors: [403],
  },

  "GET /api/tasks/": { tag: "tasks", summary: "The caller's tasks", responses: ok("Newest first.", listOf(Task)) },
  "POST /api/tasks/": { tag: "tasks", summary: "Add a task", responses: created("The new task.", Task) },
  "GET /api/tasks/trash/": {
    tag: "tasks",
    summary: "The caller's deleted tasks",
    responses: ok("Newest first.", listOf(Task)),
  },
  "GET /api/tasks/{id}/": { tag: "tasks", summary: "One of the caller's tasks", responses: ok("The task.", Task) },
  "PUT /api/tasks/{id}/": { tag: "tasks", summary: "Replace a task", responses: ok("The changed task.", Task) },
  "PATCH /api/tasks/{id}/": {
    tag: "tasks",
    summary: "Change some fields of a task",
    responses: ok("The changed task.", Task),
  },
  "DELETE /api/tasks/{id}/": {
    tag: "tasks",
    summary: "Move a task to the trash",
    responses: noContent("In the trash (GET /api/tasks/trash/)."),
  },
  "POST /api/tasks/{id}/restore/": {
    tag: "tasks",
    summary: "Take a task out of the trash",
    responses: ok("The task, live again.", Task),
  },

  "GET /api/profiles/": {
    tag: "profiles",
    summary: "The caller's profile, as a list",
    responses: ok("Empty until the caller creates a profile.", listOf(Profile)),
  },
  "POST /api/profiles/": {
    tag: "profiles",
    summary: "Create the caller's profile (one per user)",
    responses: created("The new profile.", Profile),
  },
  "GET /api/profiles/me/": {
    tag: "profiles",
    summary: "The caller's profile",
    responses: ok("The profile.", Profile),
    errors: [404],
  },
  "PATCH /api/profiles/me/": {
    tag: "profiles",
    summary: "Change the caller's profile",
    responses: ok("The changed profile.", Profile),
    errors: [404],
  },
  "GET /api/profiles/{id}/": {
    tag: "profiles",
    summary: "The caller's profile, by id",
    responses: ok("The profile.", Profile),
  },
  "PUT /api/profiles/{id}/": {
    tag: "profiles",
    summary: "Change the caller's profile, by id",
    responses: ok("The changed profile.", Profile),
  },
  "PATCH /api/profiles/{id}/": {
    tag: "profiles",
    summary: "Change the caller's profile, by id",
    responses: ok("The changed profile.", Profile),
  },
  "DELETE /api/profiles/{id}/": {
    tag: "profiles",
    summary: "Delete the caller's profile and its avatar",
    responses: noContent("Deleted."),
  },

  "PUT /api/profiles/me/avatar/": {
    tag: "avatars",
    summary: "Upload the caller's avatar",
    description:
      "The image (PNG, JPEG, GIF or WebP, recognised by its bytes; at most 2 MiB) as the raw body, or as the " +
      "`avatar` field of a multipart/form-data body (a browser's FormData).",
    requestBody: [
      { mediaType: "image/*", schema: { type: "string", contentMediaType: "image/*" } },
      {
        mediaType: "multipart/form-data",
        schema: {
          type: "object",
          properties: { avatar: { type: "string", contentMediaType: "image/*" } },
          required: ["avatar"],
        },
      },
    ],
    responses: {
      200: { description: "The profile, pointing at the new avatar.", body: Profile },
      201: { description: "A new profile, created for the avatar.", body: Profile },
    },
    errors: [400, 413, 415],
  },
  "DELETE /api/profiles/me/avatar/": {
    tag: "avatars",
    summary: "Remove the caller's avatar",
    responses: noContent("Removed."),
    errors: [404],
  },
  "GET /api/avatars/{key}": {
    tag: "avatars",
    summary: "An avatar image (public; the URL in a profile's `avatar`)",
    responses: {
      200: { description: "The image.", body: { mediaType: "image/*", schema: { type: "string" } } },
      304: { description: "Not modified (If-None-Match)." },
    },
  },

  "GET /api/schema/": {
    tag: "schema",
    summary: "This OpenAPI 3.1 document",
    responses: ok("The document.", { mediaType: "application/json", schema: { type: "object" } }),
  },
  "GET /api/docs/": {
    tag: "schema",
    summary: "Interactive documentation (Swagger UI)",
    responses: ok("An HTML page.", { mediaType: "text/html", schema: { type: "string" } }),
  },
};
