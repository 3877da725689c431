import { parseError, payloadTooLarge, unsupportedMediaType } from "./errors";

// DRF's request parsing: the body read as its default parsers read it (JSONParser, FormParser,
// MultiPartParser), and never more of it than the route takes.

/** The largest body (JSON or a form) any endpoint reads; a larger one is refused with 413 before parsing. */
export const BODY_LIMIT = 64 * 1024;

/** DRF's DEFAULT_PARSER_CLASSES, as OPTIONS lists them (`parses`), in DRF's order. */
export const PARSED_MEDIA_TYPES: readonly string[] = [
  "application/json",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
];

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const URLENCODED = "application/x-www-form-urlencoded";
const MULTIPART = "multipart/form-data";

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

/** The media type of a Content-Type header, lower-cased, without its parameters ("" when there is none). */
export const mediaTypeOf = (contentType: string | null) => contentType?.split(";")[0]?.trim().toLowerCase() ?? "";

/** A form value: text, or an uploaded file (multipart). */
export type FormValue = string | File;

/**
 * A parsed form as Django's QueryDict holds it: every value of each key, in order. A multipart body's
 * files come after its text values (DRF's request.data is the data updated with the files), so a key's
 * last value — the one a field reads — is a file when one was sent under it.
 */
export type QueryDict = ReadonlyMap<string, readonly FormValue[]>;

/** A multipart/form-data body, as DRF's MultiPartParser reads it; a malformed one is DRF's 400. */
export async function parseMultipart(bytes: Uint8Array, contentType: string): Promise<FormData> {
  try {
    return await new Response(bytes, { headers: { "Content-Type": contentType } }).formData();
  } catch (e) {
    throw parseError(`Multipart form parse error - ${e instanceof Error ? e.message : "invalid body"}`);
  }
}

function queryDictOf(entries: Iterable<[string, FormValue]>): QueryDict {
  const text = new Map<string, FormValue[]>();
  const files = new Map<string, FormValue[]>();
  for (const [key, value] of entries) {
    if (typeof value !== "string" && value.name === "") continue; // Django skips a file part with no filename
    const into = typeof value === "string" ? text : files;
    into.set(key, [...(into.get(key) ?? []), value]);
  }
  for (const [key, values] of files) text.set(key, [...(text.get(key) ?? []), ...values]);
  return text;
}

/** request.data: JSON as parsed, or a form (urlencoded or multipart) as its QueryDict. */
export type RequestData = { media: "json"; data: unknown } | { media: "form"; data: QueryDict };

/**
 * The request body as DRF's default parsers read it. An empty body is `{}` — an empty QueryDict when
 * the media type is a form's; a body of a media type no parser takes is 415; malformed JSON is 400
 * "JSON parse error - ...", a malformed multipart body 400 "Multipart form parse error - ...".
 */
export async function readRequestData(req: Request, limit = BODY_LIMIT): Promise<RequestData> {
  const bytes = await readBody(req, limit);
  const contentType = req.headers.get("Content-Type") ?? "";
  const mediaType = mediaTypeOf(contentType);
  const isForm = mediaType === URLENCODED || mediaType === MULTIPART;
  if (bytes.byteLength === 0) return isForm ? { media: "form", data: new Map() } : { media: "json", data: {} };
  if (mediaType === URLENCODED) {
    // A QueryDict: "+" is a space, percent-escapes are UTF-8 (Django's DEFAULT_CHARSET), bad bytes replaced.
    return { media: "form", data: queryDictOf(new URLSearchParams(new TextDecoder().decode(bytes))) };
  }
  if (mediaType === MULTIPART) return { media: "form", data: queryDictOf(await parseMultipart(bytes, contentType)) };
  if (!JSON_MEDIA_TYPE.test(mediaType)) throw unsupportedMediaType(contentType);
  const text = new TextDecoder().decode(bytes);
  if (text === "") return { media: "json", data: {} };
  try {
    return { media: "json", data: JSON.parse(text) };
  } catch (e) {
    throw parseError(`JSON parse error - ${e instanceof Error ? e.message : "invalid JSON"}`);
  }
}
