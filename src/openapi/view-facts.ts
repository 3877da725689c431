import type { RouterRoute } from "hono/types";
import { findTargetHandler } from "hono/utils/handler";
import { z } from "zod";
import { PARSED_MEDIA_TYPES } from "../lib/request-body";
import { factsOf, type Operation, type RouteFacts } from "./route-facts";

/** A view's routes by method, as middleware/views.ts keeps them (each route: its middleware, then its handler). */
export type ViewRoutes = ReadonlyMap<string, readonly RouterRoute[]>;

/** What a method of a view takes as its body. */
export type MethodBody = {
  /** The media types its body is parsed as; empty for a method that reads no body. */
  parses: readonly string[];
  /** For a validated body: each writable field with DRF's empty value (a raw data form's template). */
  fields?: Readonly<Record<string, unknown>>;
};

/** What the browsable API shows of a view: its name and description, and what each method parses. */
export type ViewDescription = { name: string | null; description: string | null; body: (method: string) => MethodBody };

const routeFacts = (routes: readonly RouterRoute[] | undefined): RouteFacts[] =>
  (routes ?? []).flatMap((route) => factsOf(findTargetHandler(route.handler)) ?? []);

const operationOf = (facts: readonly RouteFacts[]): Operation | undefined =>
  facts.flatMap((f) => (f.kind === "operation" ? [f.operation] : []))[0];

type JsonSchema = {
  type?: unknown;
  format?: unknown;
  default?: unknown;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
};

/** Strings that DRF parses into something else (DateField, DateTimeField, TimeField), so not CharFields. */
const NOT_TEXT = new Set(["date", "date-time", "time"]);

/** DRF's raw data form starts each field at its `initial`: "" for text, false for a boolean, null for the rest. */
function emptyValue(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return schema.default;
  const { type, format } = schema.type ? schema : (schema.anyOf?.find((s) => s.type !== "null") ?? {});
  if (type === "string") return NOT_TEXT.has(format as string) ? null : "";
  return type === "boolean" ? false : null;
}

const fieldsBySchema = new WeakMap<z.ZodType, Record<string, unknown>>();

/** A JSON body's fields, each with its empty value (converted once per schema). */
function jsonFields(schema: z.ZodType): Record<string, unknown> {
  let fields = fieldsBySchema.get(schema);
  if (!fields) {
    const { properties = {} } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    fields = Object.fromEntries(Object.entries(properties).map(([name, field]) => [name, emptyValue(field)]));
    fieldsBySchema.set(schema, fields);
  }
  return fields;
}

/**
 * What a method parses, from the route's own middleware: its validator (DRF's default parsers: JSON
 * and forms, and its fields), or the raw bodies its describe() lists.
 */
function methodBody(facts: readonly RouteFacts[]): MethodBody {
  const validated = facts.find((f) => f.kind === "json");
  if (validated) return { parses: PARSED_MEDIA_TYPES, fields: jsonFields(validated.schema) };
  const raw = operationOf(facts)?.requestBody;
  return { parses: (Array.isArray(raw) ? raw : raw ? [raw] : []).map((b) => b.mediaType) };
}

/**
 * DRF's view name and description (get_view_name, get_view_description) for a request to the view:
 * the describe() of the route of its method, or — for HEAD, OPTIONS or a method the view lacks —
 * of its GET route, or of its first.
 */
export function describeView(routes: ViewRoutes, method: string): ViewDescription {
  const own = routes.get(method === "HEAD" ? "GET" : method) ?? routes.get("GET") ?? [...routes.values()][0];
  const operation = operationOf(routeFacts(own));
  return {
    name: operation?.summary ?? null,
    description: operation?.description ?? null,
    body: (m) => methodBody(routeFacts(routes.get(m))),
  };
}
