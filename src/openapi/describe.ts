import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { describes, type Operation } from "./route-facts";

/**
 * A route's OpenAPI facts, written beside it (hono-openapi's describeRoute, without its validator):
 * `.get("/", describe({ tag, summary, responses }), permit(...), handler)`. It does nothing at run time.
 */
export const describe = (operation: Operation): MiddlewareHandler =>
  describes<MiddlewareHandler>((_, next) => next(), { kind: "operation", operation });

type Body = NonNullable<Operation["responses"][200]>["body"];

/** The usual success responses, for describe(). */
export const ok = (description: string, body?: Body) => ({ 200: { description, body } });
export const created = (description: string, body: z.ZodType) => ({ 201: { description, body } });
export const noContent = (description: string) => ({ 204: { description } });
export const listOf = (schema: z.ZodType) => z.array(schema);
