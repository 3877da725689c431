import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { profiles } from "../db/schema";
import type { AppEnv, Database } from "../env";
import { ApiError, notFound, payloadTooLarge } from "../lib/errors";
import { AllowAny, IsAuthenticated } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { PROFILE_MODEL, serializeProfile } from "../schemas/profiles";
import { AVATAR_CACHE_CONTROL, discardAvatar, readAvatar, storeAvatar } from "../services/avatar-store";
import { conditionalStatus } from "../services/conditional-request";
import { IMAGE_EXTENSIONS, sniffImageType } from "../services/image-types";

/** app.ts exempts this path from the 64 KiB JSON limit: the route sets its own. */
export const AVATAR_UPLOAD_PATH = "/api/profiles/me/avatar/";
const AVATAR_MAX_BYTES = 2 * 1024 * 1024;

const KEY_PATTERN = new RegExp(`^[0-9a-f]{32}\\.(${IMAGE_EXTENSIONS.join("|")})$`);

const preconditionFailed = () => new ApiError(412, { detail: "Precondition failed." });

const noFileSubmitted = () => new ApiError(400, { detail: "No file was submitted." });
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

/** PUT: a raw image body (≤ 2 MiB, PNG/JPEG/GIF/WebP by its bytes) becomes the avatar. DELETE: none. */
export const avatarUploadRoutes = new Hono<AppEnv>()
  .put(
    "/",
    permit([IsAuthenticated], { throttles: ["uploads"] }),
    bodyLimit({
      maxSize: AVATAR_MAX_BYTES,
      onError: () => {
        throw payloadTooLarge();
      },
    }),
    async (c) => {
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (bytes.length === 0) throw noFileSubmitted();
      const type = sniffImageType(bytes);
      if (!type) throw notAnImage();
      const key = await storeAvatar(c.env.AVATARS, bytes, type);
      let swapped;
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
  .delete("/", permit([IsAuthenticated]), async (c) => {
    const { db, caller } = c.var;
    // One transaction, as for the upload: the key read is the key cleared.
    const [[before]] = await db.batch([
      db.select({ avatarKey: profiles.avatarKey }).from(profiles).where(eq(profiles.userId, caller.userId)),
      db.update(profiles).set({ avatarKey: null }).where(eq(profiles.userId, caller.userId)),
    ]);
    if (!before) throw notFound(PROFILE_MODEL);
    if (before.avatarKey) await discardAvatar(c.env.AVATARS, before.avatarKey);
    return c.body(null, 204);
  });

/**
 * GET /api/avatars/<key>: public, like Django's MEDIA_URL, and outside the API's throttles (browsers
 * load these by the dozen and cache them for good).
 */
export const avatarRoutes = new Hono<AppEnv>().get("/:key", permit([AllowAny], { throttles: [] }), async (c) => {
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
});
