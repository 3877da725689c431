import type { z } from "zod";
import type { Permission } from "../middleware/permissions";

// The OpenAPI document is read off the middleware that really runs on each route: the validator that
// parses a body knows its schema, `permit` knows its permissions. They carry that knowledge under this
// symbol, so the document cannot describe a body or a permission that the route does not enforce.
const FACTS = Symbol("openapi facts");

export type RouteFacts =
  | { kind: "json"; schema: z.ZodType }
  | { kind: "param"; schema: z.ZodType }
  | { kind: "query"; schema: z.ZodType }
  /** `permit`: its permissions, then its throttles (undefined: DRF's default throttle classes). */
  | { kind: "permit"; permissions: readonly Permission[]; throttles: readonly string[] | undefined };

/** Marks a middleware with what it enforces; returns the same middleware. */
export function describes<M extends object>(middleware: M, facts: RouteFacts): M {
  return Object.assign(middleware, { [FACTS]: facts });
}

export function factsOf(handler: unknown): RouteFacts | undefined {
  if (typeof handler !== "function") return undefined;
  return (handler as { [FACTS]?: RouteFacts })[FACTS];
}
