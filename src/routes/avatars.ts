import { eq } from "drizzle-orm";
import { Hono } from "hono";
import type { Database } from "../db/client";
import { profiles } from "../db/schema";
import type { AppEnv } from "../env";
import { conditionalStatus } from "../lib/conditional-request";
import { ApiError, notFound, payloadTooLarge, preconditionFailed, validationError } from "../lib/errors";
import { parseMultipart, readBody } from "../lib/request-body";
import { AllowAny, IsAuthenticated } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { describe, noContent } from "../openapi/describe";
import { PROFILE_MODEL, profileResponse, serializeProfile } from "../schemas/profiles";
import { AVATAR_CACHE_CONTROL, discardAvatar, readAvatar, storeAvatar } from "../services/avatar-store";
import { IMAGE_EXTENSIONS, sniffImageType } from "../services/image-types";

export const AVATAR_UPLOAD_PATH = "/api/profiles/me/avatar/";
const AVATAR_MAX_BYTES = 2 * 1024 * 1024;
/** Room for a multipart body's boundaries and part headers around an image of the largest size. */
const MULTIPART_OVERHEAD = 16 * 1024;
/** The form field a multipart upload carries the image in, as DRF's ImageField named `avatar`. */
const AVATAR_FIELD = "avatar";

const KEY_PATTERN = new RegExp(`^[0-9a-f]{32}\\.(${IMAGE_EXTENSIONS.join("|")})$`);

const NO_FILE = "No file was submitted.";
// Django's ImageField message; 415 because the body is not a media type this endpoint takes.
const notAnImage = () =>
  new ApiError(415, {
    detail: "Upload a valid image. The file you uploaded was either not an image or a corrupted image.",
  });

/**
 * Points the caller's profile (created if there is none) at `key` and returns it with the key it
 * replaced. The read and the upsert are one batch, i.e. one transaction: of two concurrent uploads
 * each learns exactly the key it replaced, so every replaced object gets deleted.
 */
async function swapAvatarKey(db: Database, userId: number, key: string) {
  const now = new Date();
  const [[before], [profile]] = await db.batch([
    db.select({ avatarKey: profiles.avatarKey }).from(profiles).where(eq(profiles.userId, userId)),
    db
      .insert(profiles)
      .values({ userId, avatarKey: key })
      .onConflictDoUpdate({ target: profiles.userId, set: { avatarKey: key, updatedAt: now } })
      .returning(),
  ]);
  return { profile: profile!, previousKey: before?.avatarKey ?? null, created: before === undefined };
}

/**
 * The uploaded image's bytes: the raw body, or — as a browser's FormData sends it, and DRF's
 * MultiPartParser reads it — the `avatar` field of a multipart/form-data body. The body is read up to
 * the upload's own limit (the largest image plus a multipart body's framing).
 */
async function uploadedBytes(req: Request): Promise<Uint8Array> {
  const body = await readBody(req, AVATAR_MAX_BYTES + MULTIPART_OVERHEAD);
  const contentType = req.headers.get("Content-Type") ?? "";
  if (!/^multipart\/form-data\b/i.test(contentType)) {
    if (body.length === 0) throw new ApiError(400, { detail: NO_FILE });
    return body;
  }
  const file = (await parseMultipart(body, contentType)).get(AVATAR_FIELD);
  if (!(file instanceof File) || file.size === 0) throw validationError({ [AVATAR_FIELD]: [NO_FILE] });
  if (file.size > AVATAR_MAX_BYTES) throw payloadTooLarge();
  return new Uint8Array(await file.arrayBuffer());
}

/**
 * PUT: an image (≤ 2 MiB, PNG/JPEG/GIF/WebP by its bytes), as the raw body or a multipart `avatar`
 * field, becomes the avatar. DELETE: none.
 */
export const avatarUploadRoutes = new Hono<AppEnv>()
  .put(
    "/",
    describe({
      tag: "avatars",
      summary: "Upload the caller's avatar",
      description:
        "The image (PNG, JPEG, GIF or WebP, recognised by its bytes; at most 2 MiB) as the raw body, or as the " +
        "`avatar` field of a multipart/form-data body (a browser's FormData).",
      requestBody: [
        { mediaType: "image/*", schema: { type: "string", contentMediaType: "image/*" } },
        {
          mediaType: "multipart/form-data",
          schema: {
            type: "object",
            properties: { avatar: { type: "string", contentMediaType: "image/*" } },
            required: ["avatar"],
          },
        },
      ],
      responses: {
        200: { description: "The profile, pointing at the new avatar.", body: profileResponse },
        201: { description: "A new profile, created for the avatar.", body: profileResponse },
      },
      errors: [400, 413, 415],
    }),
    permit([IsAuthenticated], { throttles: ["uploads"] }),
    async (c) => {
      const bytes = await uploadedBytes(c.req.raw);
      // The raw body may use the multipart allowance: the image itself is held to the cap.
      if (bytes.length > AVATAR_MAX_BYTES) throw payloadTooLarge();
      const type = sniffImageType(bytes);
      if (!type) throw notAnImage();
      const key = await storeAvatar(c.env.AVATARS, bytes, type);
      let swapped: Awaited<ReturnType<typeof swapAvatarKey>>;
      try {
        swapped = await swapAvatarKey(c.var.db, c.var.caller.userId, key);
      } catch (e) {
        await discardAvatar(c.env.AVATARS, key);
        throw e;
      }
      if (swapped.previousKey) await discardAvatar(c.env.AVATARS, swapped.previousKey);
      const body = serializeProfile(swapped.profile, await c.var.user, c.req.url);
      return c.json(body, swapped.created ? 201 : 200);
    },
  )
  .delete(
    "/",
    describe({
      tag: "avatars",
      summary: "Remove the caller's avatar",
      description: "The image is deleted and the profile keeps no avatar. Without a profile: 404.",
      responses: noContent("Removed."),
      errors: [404],
    }),
    permit([IsAuthenticated]),
    async (c) => {
      const { db, caller } = c.var;
      // One transaction, as for the upload: the key read is the key cleared.
      const [[before]] = await db.batch([
        db.select({ avatarKey: profiles.avatarKey }).from(profiles).where(eq(profiles.userId, caller.userId)),
        db.update(profiles).set({ avatarKey: null }).where(eq(profiles.userId, caller.userId)),
      ]);
      if (!before) throw notFound(PROFILE_MODEL);
      if (before.avatarKey) await discardAvatar(c.env.AVATARS, before.avatarKey);
      return c.body(null, 204);
    },
  );

/**
 * GET /api/avatars/<key>: public, like Django's MEDIA_URL, and outside the API's throttles (browsers
 * load these by the dozen and cache them for good).
 */
export const avatarRoutes = new Hono<AppEnv>().get(
  "/:key",
  describe({
    tag: "avatars",
    summary: "An avatar image (public; the URL in a profile's `avatar`)",
    description:
      "Outside the API's throttles, and cacheable for a year: a new upload gets a new key, so an image never changes.",
    responses: {
      200: { description: "The image.", body: { mediaType: "image/*", schema: { type: "string" } } },
      304: { description: "Not modified (If-None-Match, If-Modified-Since)." },
    },
    errors: [412],
  }),
  permit([AllowAny], { throttles: [] }),
  async (c) => {
    const key = c.req.param("key");
    if (!KEY_PATTERN.test(key)) throw notFound();
    const object = await readAvatar(c.env.AVATARS, key);
    if (!object) throw notFound();
    const headers = {
      "Content-Type": object.httpMetadata?.contentType ?? "application/octet-stream",
      "Cache-Control": AVATAR_CACHE_CONTROL,
      ETag: object.httpEtag,
      "Last-Modified": object.uploaded.toUTCString(),
      // The bytes were checked on upload; this stops a browser from second-guessing the type anyway.
      "X-Content-Type-Options": "nosniff",
    };
    const status = conditionalStatus(c.req.raw.headers, { etag: object.httpEtag, lastModified: object.uploaded });
    if (status === null) return c.body(object.body, 200, headers);
    await object.body.cancel();
    if (status === 412) throw preconditionFailed();
    return c.body(null, 304, headers);
  },
);
