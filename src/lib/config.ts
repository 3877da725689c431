import { z } from "zod";

const seconds = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number of seconds` })
    .int(`${name} must be a whole number of seconds`)
    .positive(`${name} must be positive`);

const configSchema = z.object({
  JWT_SECRET: z
    .string({ error: "JWT_SECRET is not set: `wrangler secret put JWT_SECRET` (or .dev.vars locally)" })
    // RFC 8725 §3.5 / RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
    .refine((s) => new TextEncoder().encode(s).length >= 32, "JWT_SECRET must be at least 32 bytes"),
  ACCESS_TOKEN_LIFETIME: seconds("ACCESS_TOKEN_LIFETIME"),
  REFRESH_TOKEN_LIFETIME: seconds("REFRESH_TOKEN_LIFETIME"),
  SESSION_LIFETIME: seconds("SESSION_LIFETIME"),
});

export type Config = {
  jwtKey: Uint8Array;
  accessTokenLifetime: number;
  refreshTokenLifetime: number;
  sessionLifetime: number;
};

export class ConfigurationError extends Error {
  override name = "ConfigurationError";
}

// Parsed once per isolate and env object: vars and secrets cannot change while an isolate lives.
const cache = new WeakMap<object, Config>();

export function loadConfig(env: Env): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => i.message).join("; ");
    throw new ConfigurationError(`Invalid configuration: ${problems}`);
  }
  const vars = parsed.data;
  const config: Config = {
    jwtKey: new TextEncoder().encode(vars.JWT_SECRET),
    accessTokenLifetime: vars.ACCESS_TOKEN_LIFETIME,
    refreshTokenLifetime: vars.REFRESH_TOKEN_LIFETIME,
    sessionLifetime: vars.SESSION_LIFETIME,
  };
  cache.set(env, config);
  return config;
}
