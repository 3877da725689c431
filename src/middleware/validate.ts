import type { MiddlewareHandler } from "hono";
import type { BlankEnv } from "hono/types";
import type { z } from "zod";
import { drfValidationError } from "../lib/drf-messages";
import { htmlInputData } from "../lib/html-input";
import { readRequestData } from "../lib/request-body";
import { describes } from "../openapi/route-facts";

type Validated<Target extends string, T extends z.ZodType> = {
  in: { [K in Target]: z.input<T> };
  out: { [K in Target]: z.output<T> };
};

/**
 * A serializer's is_valid(raise_exception=True): request.data as DRF's default parsers read it (JSON,
 * a urlencoded or a multipart form; 415 for any other media type, parse errors, the size limit)
 * against `schema`, its errors in DRF's words. A form is first read field by field as DRF's HTML input
 * (lib/html-input.ts), so it meets the same schema and messages as JSON. Handlers read the result with
 * `c.req.valid("json")`.
 */
export function validateJson<T extends z.ZodType>(
  schema: T,
): MiddlewareHandler<BlankEnv, string, Validated<"json", T>> {
  const middleware: MiddlewareHandler<BlankEnv, string, Validated<"json", T>> = async (c, next) => {
    const body = await readRequestData(c.req.raw);
    const data = body.media === "form" ? htmlInputData(body.data, schema) : body.data;
    const result = await schema.safeParseAsync(data);
    if (!result.success) throw drfValidationError(result.error, data);
    c.req.addValidatedData("json", result.data as object);
    await next();
  };
  return describes(middleware, { kind: "json", schema });
}
