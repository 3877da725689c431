import { parseError, payloadTooLarge, unsupportedMediaType } from "./errors";

// DRF's request parsing: the body read as its parsers read it, and never more of it than the route takes.

/** The largest JSON body any endpoint reads; a larger one is refused with 413 before parsing. */
export const JSON_BODY_LIMIT = 64 * 1024;

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * The body's bytes, at most `limit` of them: 413 when Content-Length says more, or as soon as a body
 * without one (chunked) grows past it, before the rest is read.
 */
export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("Content-Length"));
  if (declared > limit) throw payloadTooLarge();
  if (req.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw payloadTooLarge();
    }
    chunks.push(read.value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The media type of a Content-Type header, without its parameters ("" when there is none). */
export const mediaTypeOf = (contentType: string | null) => contentType?.split(";")[0]?.trim() ?? "";

/**
 * The request body as DRF's JSONParser reads it: an empty body is `{}`, a body of another media
 * type is 415, malformed JSON is 400 "JSON parse error - ...".
 */
export async function readJsonBody(req: Request, limit = JSON_BODY_LIMIT): Promise<unknown> {
  const bytes = await readBody(req, limit);
  const contentType = req.headers.get("Content-Type") ?? "";
  if (!JSON_MEDIA_TYPE.test(mediaTypeOf(contentType))) {
    if (bytes.byteLength === 0) return {};
    throw unsupportedMediaType(contentType);
  }
  const text = new TextDecoder().decode(bytes);
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw parseError(`JSON parse error - ${e instanceof Error ? e.message : "invalid JSON"}`);
  }
}
