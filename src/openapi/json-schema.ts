import { z } from "zod";

export type Json = Record<string, unknown>;

/**
 * zod → JSON Schema (draft 2020-12, OpenAPI 3.1's dialect). Schemas named with `.meta({ id })`
 * are collected once under components/schemas and referenced wherever they occur.
 */
export class SchemaComponents {
  readonly schemas: Record<string, Json> = {};

  /** `io`: a request body is described by what zod accepts, a response by what it produces. */
  of(schema: z.ZodType, io: "input" | "output"): Json {
    const { $schema: _, $defs, ...json } = z.toJSONSchema(schema, { target: "draft-2020-12", io }) as Json;
    for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, Json>)) {
      const body = toComponentRefs(def);
      const known = this.schemas[name];
      if (known && JSON.stringify(known) !== JSON.stringify(body)) {
        throw new Error(`Two different schemas are named "${name}" (used as input and as output?)`);
      }
      this.schemas[name] = body;
    }
    return toComponentRefs(json);
  }
}

/** zod refers to `#/$defs/Name`; in the document they live at `#/components/schemas/Name`. */
function toComponentRefs<T>(value: T): T {
  if (Array.isArray(value)) return value.map(toComponentRefs) as T;
  if (value === null || typeof value !== "object") return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    const isRef = key === "$ref" && typeof inner === "string";
    out[key] = isRef ? inner.replace("#/$defs/", "#/components/schemas/") : toComponentRefs(inner);
  }
  return out as T;
}
