import type { MiddlewareHandler } from "hono";
import type { BlankEnv } from "hono/types";
import type { z } from "zod";
import { drfValidationError } from "../lib/drf-messages";
import { readJsonBody } from "../lib/request-body";
import { describes } from "../openapi/route-facts";

type Validated<Target extends string, T extends z.ZodType> = {
  in: { [K in Target]: z.input<T> };
  out: { [K in Target]: z.output<T> };
};

/**
 * A serializer's is_valid(raise_exception=True): the JSON body (DRF's parsing: 415, parse errors, the
 * size limit) against `schema`, its errors in DRF's words; handlers read the result with
 * `c.req.valid("json")`.
 */
export function validateJson<T extends z.ZodType>(
  schema: T,
): MiddlewareHandler<BlankEnv, string, Validated<"json", T>> {
  const middleware: MiddlewareHandler<BlankEnv, string, Validated<"json", T>> = async (c, next) => {
    const data = await readJsonBody(c.req.raw);
    const result = await schema.safeParseAsync(data);
    if (!result.success) throw drfValidationError(result.error, data);
    c.req.addValidatedData("json", result.data as object);
    await next();
  };
  return describes(middleware, { kind: "json", schema });
}
