import { z } from "zod";

// DRF serializer field types whose parsing differs from plain zod, shared by the resource schemas.

/** How responses write a row's id, and a moment (ISO 8601 in UTC, as toISOString() writes it). */
export const responseId = z.number().int().positive();
export const dateTime = z.iso.datetime();

/** URL ids: the route pattern admits only digits; anything past a safe integer matches no row. */
const idParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** The id of a detail URL (`c.req.param("id")`), or null when it cannot name a row: get_object's 404. */
export function lookupId(param: string | undefined): number | null {
  const parsed = idParam.safeParse({ id: param });
  return parsed.success ? parsed.data.id : null;
}

/** DRF's CharField "invalid" message; its subclasses (EmailField, URLField) give their own. */
const NOT_A_STRING = "Not a valid string.";

/**
 * DRF's CharField.to_internal_value: numbers are taken as their text; booleans, lists, objects (and a
 * multipart file) are `invalid` — one message, "Not a valid string." or the subclass's — and nothing
 * else is checked. null and absence are left to `schema` (required, allow_null).
 */
export const charField = <T extends z.ZodType>(schema: T, invalid = NOT_A_STRING) =>
  z.preprocess((value, ctx) => {
    if (typeof value === "number") return String(value);
    if (value === undefined || value === null || typeof value === "string") return value;
    ctx.addIssue({ code: "custom", message: invalid });
    return z.NEVER;
  }, schema);

// DRF's BooleanField TRUE_VALUES / FALSE_VALUES; text is compared lower-cased (DRF 3.16+).
const TRUE_VALUES = new Set<unknown>(["t", "y", "yes", "true", "on", "1", 1, true]);
const FALSE_VALUES = new Set<unknown>(["f", "n", "no", "false", "off", "0", 0, false]);
const lowerIfString = (value: unknown) => (typeof value === "string" ? value.toLowerCase() : value);

/** DRF's BooleanField: "yes", "on", 1, ... are booleans too; anything else is "Must be a valid boolean.". */
export const booleanField = z.preprocess((value) => {
  const key = lowerIfString(value);
  return TRUE_VALUES.has(key) ? true : FALSE_VALUES.has(key) ? false : value;
}, z.boolean());

export const DATE_FORMAT_ERROR = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";

// Django's parse_date regex: month and day may have one digit.
const DATE_PATTERN = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

/** A calendar date as "YYYY-MM-DD", or null for text that is not one (including 2024-02-30). */
export function parseIsoDate(text: string): string | null {
  const match = DATE_PATTERN.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  // Date rolls 2024-02-30 over to March; Python's date refuses it, and so do we.
  if (year < 1 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return null;
  }
  return `${match[1]}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** DRF's DateField (ISO 8601): any value that is not a real date, strings or not, gets DRF's one message. */
export const dateField = z
  .unknown()
  .transform((value, ctx) => {
    if (value === undefined || value === null) {
      ctx.addIssue({
        code: "custom",
        message: value === null ? "This field may not be null." : "This field is required.",
      });
      return z.NEVER;
    }
    const date = typeof value === "string" ? parseIsoDate(value) : null;
    if (date === null) {
      ctx.addIssue({ code: "custom", message: DATE_FORMAT_ERROR });
      return z.NEVER;
    }
    return date;
  })
  .meta({ type: "string", format: "date" }); // for the OpenAPI document: its unknown input would read as "any value"
