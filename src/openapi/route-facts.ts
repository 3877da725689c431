import type { z } from "zod";
import type { RouteThrottle } from "../lib/throttle-rates";
import type { Permission } from "../middleware/permissions";
import type { Tag } from "./tags";

// What a route says of itself is carried by the middleware that really runs on it: the validator its
// schema, permit() its permissions, throttles, authentication and D1 needs, and describe() the rest
// (summary, responses, the errors its handler raises). They carry it under this symbol, so the OpenAPI
// document cannot describe a body or a rule the route does not have, and the app-wide middleware that
// runs before the route (the D1 session) reads the route's own word rather than its URL.
const FACTS = Symbol("route facts");

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
  tag: Tag;
  summary: string;
  description?: string;
  responses: Partial<Record<SuccessStatus, { description: string; body?: z.ZodType | RawBody }>>;
  errors?: ErrorStatus[];
  /** A request body that no JSON validator on the route describes (several: one per media type). */
  requestBody?: RawBody | RawBody[];
};

export type PermitFacts = {
  kind: "permit";
  permissions: readonly Permission[];
  throttles: readonly RouteThrottle[] | undefined;
  /** Whether Bearer authentication runs (simplejwt's token views have none). */
  authenticate: boolean;
  /** Where the route's reads go, when it says (middleware/d1-session.ts reads this). */
  reads: "primary" | "nearby" | undefined;
  /** Whether no answer of the view may be cached: it takes or gives credentials. */
  noStore: boolean;
};

export type RouteFacts =
  | { kind: "json"; schema: z.ZodType }
  | PermitFacts
  | { kind: "operation"; operation: Operation };

/** Marks a middleware with what it enforces or says; returns the same middleware. */
export function describes<M extends object>(middleware: M, facts: RouteFacts): M {
  return Object.assign(middleware, { [FACTS]: facts });
}

export function factsOf(handler: unknown): RouteFacts | undefined {
  if (typeof handler !== "function") return undefined;
  return (handler as { [FACTS]?: RouteFacts })[FACTS];
}

/** What permit() says of a route, found among its handlers (its middleware, then the handler itself). */
export function permitFacts(handlers: readonly unknown[]): PermitFacts | undefined {
  for (const handler of handlers) {
    const facts = factsOf(handler);
    if (facts?.kind === "permit") return facts;
  }
  return undefined;
}
