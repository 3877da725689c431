import { z } from "zod";
import type { QueryDict } from "./request-body";

// DRF's HTML input (rest_framework/fields.py Field.get_value when html.is_html_input): a form's values
// are all text, so each field reads its own key of the QueryDict before the serializer validates it,
// and an empty or absent value means what a browser form means by it. Here the form becomes the object
// the route's zod schema expects, so validation and its messages are the same as for JSON.

/** What Field.get_value needs to know of a field, found by asking the field's own schema. */
type FieldFacts = {
  required: boolean;
  allowNull: boolean;
  /** Whether "" is a valid value (CharField's allow_blank). */
  allowBlank: boolean;
  /** default_empty_html: what an absent key means (a BooleanField's unchecked box is false). */
  emptyHtml: unknown;
};

const fullSchemas = new WeakMap<z.ZodType, z.ZodObject>();

/**
 * serializer(partial=True), as PATCH uses it: every field optional. The schema it came from is kept,
 * because a form's blank value is read by whether the field is required on the full serializer.
 */
export function partial<T extends z.ZodObject>(schema: T) {
  const optional = schema.partial();
  fullSchemas.set(optional, schema);
  return optional;
}

const accepts = (field: z.ZodType, value: unknown) => field.safeParse(value).success;

function factsOf(field: z.ZodType): FieldFacts {
  const allowNull = accepts(field, null);
  // The field that reads a form's "off" as false is a BooleanField: an absent box is false (null if nullable).
  const offBox = field.safeParse("off");
  const isBoolean = offBox.success && offBox.data === false;
  return {
    required: !accepts(field, undefined),
    allowNull,
    allowBlank: !isBoolean && accepts(field, ""),
    emptyHtml: isBoolean ? (allowNull ? null : false) : undefined,
  };
}

type Serializer = { fields: ReadonlyMap<string, FieldFacts>; partial: boolean } | null;
const serializers = new WeakMap<z.ZodType, Serializer>();

function serializerOf(schema: z.ZodType): Serializer {
  let serializer = serializers.get(schema);
  if (serializer === undefined) {
    const full = fullSchemas.get(schema) ?? schema;
    serializer =
      full instanceof z.ZodObject
        ? {
            fields: new Map(Object.entries(full.shape as Record<string, z.ZodType>).map(([k, f]) => [k, factsOf(f)])),
            partial: fullSchemas.has(schema),
          }
        : null;
    serializers.set(schema, serializer);
  }
  return serializer;
}

/**
 * A form as the object `schema` validates: for each field, its key's last value (QueryDict's []), "" in
 * place of null or of absence where DRF reads it so, and an absent boolean as false unless partial.
 * Keys that are no field are left out, as a serializer ignores them.
 */
export function htmlInputData(form: QueryDict, schema: z.ZodType): Record<string, unknown> {
  const serializer = serializerOf(schema);
  const data: Record<string, unknown> = {};
  if (!serializer) {
    for (const [key, values] of form) data[key] = values.at(-1);
    return data;
  }
  for (const [name, field] of serializer.fields) {
    const value = form.get(name)?.at(-1);
    if (value === undefined) {
      if (!serializer.partial && field.emptyHtml !== undefined) data[name] = field.emptyHtml;
    } else if (value === "" && field.allowNull) {
      data[name] = field.allowBlank ? "" : null;
    } else if (value === "" && !field.required) {
      if (field.allowBlank) data[name] = "";
    } else {
      data[name] = value;
    }
  }
  return data;
}
