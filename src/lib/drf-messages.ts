import type { z } from "zod";
import { validationError } from "./errors";

// DRF's wording for what zod finds wrong with a body: one translation table for every serializer.

/** Python's type names, because DRF's message quotes them. */
function pythonTypeName(value: unknown): string {
  if (Array.isArray(value)) return "list";
  if (value === null) return "NoneType";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return typeof value;
}

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** One zod issue in DRF's words. Messages written in the schemas (refinements, regexes) pass through. */
function drfMessage(issue: z.core.$ZodIssue, data: unknown): string {
  const value = valueAt(data, issue.path);
  switch (issue.code) {
    case "invalid_type":
      if (issue.path.length === 0) return `Invalid data. Expected a dictionary, but got ${pythonTypeName(value)}.`;
      if (value === undefined) return "This field is required.";
      if (value === null) return "This field may not be null.";
      if (issue.expected === "string") return "Not a valid string.";
      if (issue.expected === "boolean") return "Must be a valid boolean.";
      if (issue.expected === "number" || issue.expected === "int") return "A valid integer is required.";
      return issue.message;
    case "too_big":
      if (issue.origin === "string") return `Ensure this field has no more than ${issue.maximum} characters.`;
      return `Ensure this value is less than or equal to ${issue.maximum}.`;
    case "too_small":
      if (issue.origin === "string") {
        return issue.minimum === 1
          ? "This field may not be blank."
          : `Ensure this field has at least ${issue.minimum} characters.`;
      }
      return `Ensure this value is greater than or equal to ${issue.minimum}.`;
    case "invalid_format":
      if (issue.format === "email") return "Enter a valid email address.";
      if (issue.format === "url") return "Enter a valid URL.";
      return issue.message;
    default:
      return issue.message;
  }
}

const EMPTY_VALUE_MESSAGES = new Set([
  "This field is required.",
  "This field may not be null.",
  "This field may not be blank.",
]);

/**
 * Where DRF stops checking a field: an empty value (required, null, blank) or a value of the wrong type
 * (to_internal_value fails before any validator runs). Such a field gets that one message; zod may
 * still report a length check on a list given for a string, which DRF never reaches.
 */
const isFinal = (issue: z.core.$ZodIssue, message: string) =>
  issue.code === "invalid_type" || EMPTY_VALUE_MESSAGES.has(message);

/** zod's error as DRF's 400 body: `{"field": ["message", ...], "non_field_errors": [...]}`. */
export function drfValidationError(error: z.core.$ZodError, data: unknown) {
  const errors: Record<string, string[]> = {};
  const settled = new Set<string>();
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.map(String).join(".") : "non_field_errors";
    if (settled.has(key)) continue;
    const message = drfMessage(issue, data);
    if (isFinal(issue, message)) {
      errors[key] = [message];
      settled.add(key);
    } else (errors[key] ??= []).push(message);
  }
  return validationError(errors);
}
