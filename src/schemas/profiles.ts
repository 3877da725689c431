import { createInsertSchema } from "drizzle-zod";
import { z } from "zod";
import { type Profile, profiles, type User } from "../db/schema";
import { charField, dateTime, responseId } from "./fields";
import { email } from "./users";

const columns = createInsertSchema(profiles).shape;

/** The Django model name DRF's 404 quotes: "No UserProfile matches the given query." */
export const PROFILE_MODEL = "UserProfile";

/** Where GET serves avatars (app.ts mounts the avatar router here). */
export const AVATAR_URL_PATH = "/api/avatars/";

// Django's URLValidator: http(s) or ftp(s), and a host that is a domain with a TLD, localhost or an
// IPv4 address. Other schemes (javascript:, data:) would turn the link into script on a client's page.
const URL_HOST = /^(localhost|(\d{1,3}\.){3}\d{1,3}|([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62})$/i;
const INVALID_URL = "Enter a valid URL.";
const websiteUrl = z.url({ protocol: /^(https?|ftps?)$/, hostname: URL_HOST });

/**
 * The writable fields of a profile; all optional (blank=True), so PUT and PATCH take the same body.
 * `email` is the account's, shown here and accepted back unchanged; it changes only through the
 * confirmed email change (routes/email.ts). id, username,
 * avatar and the timestamps in a body are dropped here: the owner comes from the token, the avatar
 * only from the upload endpoint.
 */
export const profileBody = z.object({
  email: email.optional(),
  bio: charField(columns.bio.unwrap().trim()).optional(),
  phone_number: charField(columns.phoneNumber.unwrap().trim()).optional(),
  // DRF's URLField: its "invalid" message answers a value that is not text too; its schema format is "uri".
  website: charField(
    columns.website
      .unwrap()
      .trim()
      .refine((url) => url === "" || websiteUrl.safeParse(url).success, INVALID_URL),
    INVALID_URL,
  )
    .meta({ format: "uri" })
    .optional(),
});

export type ProfileInput = z.infer<typeof profileBody>;

export const profileValues = (input: ProfileInput) => ({
  bio: input.bio,
  phoneNumber: input.phone_number,
  website: input.website,
});

/** DRF's ImageField renders an absolute URL built from the request, or null. */
export const avatarUrl = (key: string | null, requestUrl: string) =>
  key === null ? null : new URL(`${AVATAR_URL_PATH}${key}`, requestUrl).href;

/** The account fields a profile shows. */
export type ProfileOwner = Pick<User, "username" | "email">;

/** A profile as responses show it: the shape serializeProfile must produce, and the document's "Profile". */
export const profileResponse = z
  .object({
    id: responseId,
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

/** username and email are read-only, from the account the profile belongs to. */
export const serializeProfile = (
  profile: Profile,
  owner: ProfileOwner,
  requestUrl: string,
): z.output<typeof profileResponse> => ({
  id: profile.id,
  username: owner.username,
  email: owner.email,
  bio: profile.bio,
  phone_number: profile.phoneNumber,
  avatar: avatarUrl(profile.avatarKey, requestUrl),
  website: profile.website,
  created_at: profile.createdAt.toISOString(),
  updated_at: profile.updatedAt.toISOString(),
});
