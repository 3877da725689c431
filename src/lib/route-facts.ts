import type { z } from "zod";

// The OpenAPI document is read off the routes themselves: the middleware that really runs on each
// route carries what it enforces (the validator its schema, permit() its permissions and throttles),
// and each route's describe() says the rest (summary, responses, the errors its handler raises). They
// carry it under this symbol, so the document cannot describe a body or a rule the route does not have.
const FACTS = Symbol("route facts");

/** What a permission class says of itself (src/middleware/permissions.ts): who it needs, whom it can refuse. */
export type PermissionFacts = {
  readonly name: string;
  /** "always": every request needs a user; "unsafe": only writes do; "never": nobody. */
  readonly needsUser: "always" | "unsafe" | "never";
  /** Present when the permission also judges the account (a signed-in user it refuses gets 403). */
  readonly allowsAccount?: unknown;
};

/** Every error status an operation can answer, as the document lists them. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 412 | 413 | 415 | 429 | 503;
type SuccessStatus = 200 | 201 | 204 | 301 | 304;

/** A body given by media type and JSON Schema, for what no zod schema describes (images, HTML, forms). */
export type RawBody = { mediaType: string; schema: object };

/**
 * What a route says of itself beyond its middleware: a summary, the success responses and the errors
 * its handler raises on its own. Request bodies, parameters, security and the errors of validation,
 * authentication, permissions and throttles are read off the middleware.
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

export type RouteFacts =
  | { kind: "json"; schema: z.ZodType }
  | { kind: "permit"; permissions: readonly PermissionFacts[]; throttles: readonly string[] | undefined }
  | { kind: "operation"; operation: Operation };

/** Marks a middleware with what it enforces or says; returns the same middleware. */
export function describes<M extends object>(middleware: M, facts: RouteFacts): M {
  return Object.assign(middleware, { [FACTS]: facts });
}

export function factsOf(handler: unknown): RouteFacts | undefined {
  if (typeof handler !== "function") return undefined;
  return (handler as { [FACTS]?: RouteFacts })[FACTS];
}
