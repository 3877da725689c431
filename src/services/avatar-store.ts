import { DependencyUnavailable } from "../lib/errors";
import { randomId } from "../lib/random-id";
import type { ImageType } from "./image-types";

// Every upload gets a new random key, so what a key names never changes and may be cached for good.
export const AVATAR_CACHE_CONTROL = "public, max-age=31536000, immutable";

/** Stores an image under a fresh key (a random 32-hex id, then its type's extension) and returns the key. */
export async function storeAvatar(bucket: R2Bucket, bytes: Uint8Array, type: ImageType): Promise<string> {
  const key = `${randomId()}.${type.extension}`;
  const httpMetadata = { contentType: type.contentType, cacheControl: AVATAR_CACHE_CONTROL };
  await bucket.put(key, bytes, { httpMetadata }).catch((e: unknown) => {
    throw new DependencyUnavailable("storage", e);
  });
  return key;
}

/** The stored avatar (its body unread) or null if there is none. */
export function readAvatar(bucket: R2Bucket, key: string): Promise<R2ObjectBody | null> {
  return bucket.get(key).catch((e: unknown) => {
    throw new DependencyUnavailable("storage", e);
  });
}

/**
 * Deletes an object no row names any more. The change that orphaned it is already committed, so a
 * failure here must not fail the request: it leaves an unreferenced object, and a log line saying so.
 */
export async function discardAvatar(bucket: R2Bucket, key: string): Promise<void> {
  try {
    await bucket.delete(key);
  } catch (e) {
    console.error(`avatar object ${key} could not be deleted and is now unreferenced`, e);
  }
}
