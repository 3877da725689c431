import { z } from "zod";

/** RFC 7517 JWK Set of the public signing keys, as GET /.well-known/jwks.json answers it (publishedKeys). */
export const jwksResponse = z
  .object({
    keys: z.array(
      z
        .strictObject({
          kid: z.string(),
          kty: z.enum(["EC", "OKP"]),
          crv: z.enum(["P-256", "Ed25519"]),
          x: z.string(),
          y: z.string().optional().meta({ description: "EC keys only." }),
          alg: z.enum(["ES256", "EdDSA"]),
          use: z.literal("sig"),
        })
        .meta({ id: "PublicJsonWebKey" }),
    ),
  })
  .meta({ id: "JsonWebKeySet" });
