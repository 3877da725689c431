import { Hono } from "hono";
import type { AppEnv } from "../env";
import { publishedKeys } from "../lib/key-set";
import { notFound } from "../lib/errors";
import { AllowAny } from "../middleware/permissions";
import { permit } from "../middleware/permit";

export const JWKS_PATH = "/.well-known/jwks.json";

// Verifiers (Supabase among them) cache a JWKS for about ten minutes; a next key is published at least
// that long before it signs, so a cached copy never misses the key of a fresh token.
const JWKS_CACHE_CONTROL = "public, max-age=600";

/**
 * GET /.well-known/jwks.json: the public halves of the asymmetric signing keys (current, next,
 * previous), for anyone to verify our tokens with. An HS256-only set has nothing public: 404.
 * Public and unthrottled, like the avatars: verifiers fetch it from everywhere, and it is cacheable.
 */
export const jwksRoutes = new Hono<AppEnv>().get("/", permit([AllowAny], { throttles: [] }), (c) => {
  const jwks = publishedKeys(c.var.config.signingKeys);
  if (jwks.keys.length === 0) throw notFound();
  return c.json(jwks, 200, { "Cache-Control": JWKS_CACHE_CONTROL });
});
