import { z } from "zod";

// Response bodies as the serializers (src/schemas/*) build them. The serializers are plain functions,
// so these are written out once here; test/openapi.test.ts holds each one to its serializer's return
// type (expectTypeOf) and parses real responses with it, so neither can drift from the other.
// Each `id` is the schema's name under components/schemas.

const dateTime = z.iso.datetime();
const id = z.number().int().positive();

/** In cookie mode (request header `X-Token-Transport: cookie`) the refresh token is the __Host-refresh cookie instead. */
const refresh = z.string().optional().meta({ description: "Absent in cookie mode: then it is the HttpOnly `__Host-refresh` cookie." });

export const TokenPair = z.object({ refresh, access: z.string() }).meta({ id: "TokenPair" });

export const User = z
  .object({
    id,
    username: z.string(),
    email: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    is_staff: z.boolean(),
    is_active: z.boolean(),
    is_superuser: z.boolean(),
    date_joined: dateTime,
    last_login: dateTime.nullable(),
  })
  .meta({ id: "User" });

export const NewUser = User.pick({ username: true, email: true, first_name: true, last_name: true }).meta({
  id: "NewUser",
});

export const Registration = z
  .object({ user: NewUser, refresh, access: z.string() })
  .meta({ id: "Registration" });

export const PasswordChanged = z
  .object({ detail: z.string(), refresh, access: z.string() })
  .meta({ id: "PasswordChanged" });

/** simplejwt's verify and blacklist views answer `{}`. */
export const Empty = z.object({}).meta({ id: "Empty" });

export const Book = z
  .object({
    id,
    title: z.string(),
    author: z.string(),
    published_date: z.iso.date(),
    isbn: z.string().nullable(),
    description: z.string(),
    owner: id,
    owner_username: z.string(),
    created_at: dateTime,
    updated_at: dateTime,
  })
  .meta({ id: "Book" });

export const Task = z
  .object({
    id,
    title: z.string(),
    desc: z.string().nullable(),
    completed: z.boolean(),
    owner: id,
    owner_username: z.string(),
    created_at: dateTime,
    updated_at: dateTime,
  })
  .meta({ id: "Task" });

export const Profile = z
  .object({
    id,
    username: z.string(),
    email: z.string(),
    bio: z.string(),
    phone_number: z.string(),
    avatar: z.url().nullable().meta({ description: "Absolute URL of the avatar image (GET /api/avatars/{key})." }),
    website: z.string(),
    created_at: dateTime,
    updated_at: dateTime,
  })
  .meta({ id: "Profile" });

/** RFC 7517 JWK Set of the public signing keys (src/lib/key-set.ts, publishedKeys). */
export const JsonWebKeySet = z
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

export const Session = z
  .object({
    id: z.string(),
    created_at: dateTime,
    last_used_at: dateTime.meta({ description: "The session's last refresh (its creation if none)." }),
    expires_at: dateTime.meta({ description: "Its absolute end: refreshing never extends it." }),
    user_agent: z.string().meta({ description: "The client's User-Agent at login, truncated." }),
    current: z.boolean().meta({ description: "Whether this is the session of the calling token." }),
  })
  .meta({ id: "Session" });
