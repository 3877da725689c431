import { z } from "zod";
import { ConfigurationError } from "./config";
import { perObject } from "./per-object";

// An origin exactly as a browser sends it: scheme://host[:port], lowercase, no path, no trailing slash.
// "null" (sandboxed frames, file: pages: anyone can produce it) is refused, not just never matched;
// so are wildcards, which would otherwise sit in the list looking as if they matched something.
const origin = z
  .string()
  .refine((text) => !text.includes("*"), "is a wildcard: list every origin, they are compared exactly")
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === "https:" || url.protocol === "http:") && url.origin === text;
    } catch {
      return false;
    }
  }, "is not an origin: write scheme://host[:port] with nothing after it, e.g. https://app.example.com");

const originList = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const origins = new Set<string>();
    for (const item of (text ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean)) {
      const parsed = origin.safeParse(item);
      if (parsed.success) origins.add(parsed.data);
      else ctx.addIssue(`CORS_ALLOWED_ORIGINS: "${item}" ${parsed.error.issues[0]?.message}`);
    }
    return origins;
  });

/**
 * CORS_ALLOWED_ORIGINS (comma-separated) as a set; unset or empty allows no other origin. Parsed
 * apart from loadConfig because preflights are answered before the rest of the config is read.
 */
export const allowedOrigins = perObject((env: Env): ReadonlySet<string> => {
  const parsed = originList.safeParse(env.CORS_ALLOWED_ORIGINS);
  if (!parsed.success) throw ConfigurationError.fromIssues(parsed.error.issues);
  return parsed.data;
});
