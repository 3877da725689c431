import { Hono } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../env";
import { notFound } from "../lib/errors";
import { JWKS_MAX_AGE_SECONDS, publishedKeys } from "../lib/key-set";
import { AllowAny } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { describe, ok } from "../openapi/describe";
import { jwksResponse } from "../schemas/jwks";

export const JWKS_PATH = "/.well-known/jwks.json";

// A next key is published at least as long before it signs, so a cached copy never misses the key of a fresh token.
const JWKS_CACHE_CONTROL = `public, max-age=${JWKS_MAX_AGE_SECONDS}`;

/**
 * GET /.well-known/jwks.json: the public halves of the asymmetric signing keys (current, next,
 * previous), for anyone to verify our tokens with. An HS256-only set has nothing public: 404.
 * Public and unthrottled, like the avatars: verifiers fetch it from everywhere, and it is cacheable.
 */
export const jwksRoutes = new Hono<AppEnv>().get(
  "/",
  describe({
    tag: "token",
    summary: "The public keys that verify this API's tokens (JWKS)",
    description:
      "RFC 7517 key set: the current, next and previous ES256/EdDSA keys, selected by a token's `kid`. " +
      `Cacheable for ${JWKS_MAX_AGE_SECONDS / 60} minutes. 404 while the API signs with HS256 only (a shared secret is never published).`,
    responses: ok("The key set.", jwksResponse),
    errors: [404],
  }),
  permit([AllowAny], { throttles: [], authenticate: false }),
  (c) => {
    const jwks: z.output<typeof jwksResponse> = publishedKeys(c.var.config.signingKeys);
    if (jwks.keys.length === 0) throw notFound();
    return c.json(jwks, 200, { "Cache-Control": JWKS_CACHE_CONTROL });
  },
);
