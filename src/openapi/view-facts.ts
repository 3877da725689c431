import type { RouterRoute } from "hono/types";
import { findTargetHandler } from "hono/utils/handler";
import { z } from "zod";
import type { FieldKind, FormField } from "../lib/html-form";
import { PARSED_MEDIA_TYPES } from "../lib/request-body";
import { factsOf, type Operation, type RouteFacts } from "./route-facts";

/** A view's routes by method, as middleware/views.ts keeps them (each route: its middleware, then its handler). */
export type ViewRoutes = ReadonlyMap<string, readonly RouterRoute[]>;

/** What a method of a view takes as its body. */
export type MethodBody = {
  /** The media types its body is parsed as; empty for a method that reads no body. */
  parses: readonly string[];
  /** For a validated body: its writable fields, as DRF's forms (HTML and raw data) show them. */
  fields?: readonly FormField[];
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
  enum?: unknown[];
  default?: unknown;
  description?: unknown;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
};

/** A field's schema but for null (allow_null): `type: ["string", "null"]`, or the other member of an anyOf. */
function nonNull(schema: JsonSchema): JsonSchema {
  if (Array.isArray(schema.type)) return { ...schema, type: schema.type.find((t) => t !== "null") };
  return schema.anyOf?.find((s) => s.type !== "null") ?? schema;
}

// DRF's password fields are CharFields styled {"input_type": "password"}; here, the fields named for one.
const PASSWORD = /password/i;

/** The field's class as far as a form tells them apart, from its JSON Schema (formats as DRF's schemas write them). */
function kindOf(name: string, { type, format, enum: choices }: JsonSchema): FieldKind {
  if (choices) return "choice";
  if (type === "boolean") return "boolean";
  if (type === "integer" || type === "number") return "number";
  if (format === "date") return "date";
  if (format === "email") return "email";
  if (format === "uri") return "url";
  return PASSWORD.test(name) ? "password" : "text";
}

/** The kinds that are CharFields (or their subclasses), whose initial is "". */
const TEXT_KINDS = new Set<FieldKind>(["text", "email", "url", "password"]);

/** DRF's Field.initial: the field's default if it has one, "" for text, false for a boolean, None for the rest. */
function initialOf(kind: FieldKind, schema: JsonSchema): unknown {
  if (schema.default !== undefined) return schema.default;
  return TEXT_KINDS.has(kind) ? "" : kind === "boolean" ? false : null;
}

function formField(name: string, field: JsonSchema, required: boolean): FormField {
  const schema = nonNull(field);
  const kind = kindOf(name, schema);
  const help = field.description ?? schema.description;
  return {
    name,
    kind,
    required,
    initial: initialOf(kind, field),
    ...(schema.enum ? { choices: schema.enum.map(String) } : {}),
    ...(typeof help === "string" ? { help } : {}),
  };
}

const fieldsBySchema = new WeakMap<z.ZodType, FormField[]>();

/** A validated body's fields, read off the JSON Schema of what it accepts (converted once per schema). */
export function formFields(schema: z.ZodType): readonly FormField[] {
  let fields = fieldsBySchema.get(schema);
  if (!fields) {
    const { properties = {}, required = [] } = z.toJSONSchema(schema, {
      io: "input",
      unrepresentable: "any",
    }) as JsonSchema;
    fields = Object.entries(properties).map(([name, field]) => formField(name, field, required.includes(name)));
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
  if (validated) return { parses: PARSED_MEDIA_TYPES, fields: formFields(validated.schema) };
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
