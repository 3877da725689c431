// RFC 9110 §13: conditional GET/HEAD, evaluated by the API itself (R2's own parsing fails on
// malformed fields). A field that does not parse is ignored, as if it had not been sent.

/** RFC 9110's entity-tag: an optional W/ and a quoted string of visible characters but DQUOTE. */
const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/** `*`, or the entity-tags of a field value; null if the value is malformed. */
function entityTags(value: string): "*" | { weak: boolean; opaque: string }[] | null {
  if (value.trim() === "*") return "*";
  const tags = [];
  for (const item of value.split(",")) {
    const tag = item.trim();
    if (tag === "") continue; // the list syntax allows empty elements
    if (!ENTITY_TAG.test(tag)) return null;
    tags.push({ weak: tag.startsWith("W/"), opaque: tag.slice(tag.indexOf('"')) });
  }
  return tags.length > 0 ? tags : null;
}

/** An HTTP-date (RFC 9110 §5.6.7), or null; second precision. */
function httpDate(value: string | null): number | null {
  if (value === null || !/^[A-Za-z]{3},? /.test(value.trim())) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : Math.floor(time / 1000);
}

export type Representation = { etag: string; lastModified: Date };

/**
 * The status a conditional GET/HEAD gets for this representation: 412 (If-Match / If-Unmodified-Since
 * failed), 304 (If-None-Match / If-Modified-Since matched), or null to send it. `etag` is the quoted
 * strong entity-tag. Precedence is RFC 9110 §13.2.2's.
 */
export function conditionalStatus(headers: Headers, { etag, lastModified }: Representation): 304 | 412 | null {
  const modified = Math.floor(lastModified.getTime() / 1000);
  const ifMatch = entityTags(headers.get("If-Match") ?? "");
  if (ifMatch !== null) {
    // Strong comparison: a weak tag never matches.
    if (ifMatch !== "*" && !ifMatch.some((t) => !t.weak && t.opaque === etag)) return 412;
  } else {
    const since = httpDate(headers.get("If-Unmodified-Since"));
    if (since !== null && modified > since) return 412;
  }
  const ifNoneMatch = entityTags(headers.get("If-None-Match") ?? "");
  if (ifNoneMatch !== null) {
    // Weak comparison: W/"x" and "x" match.
    return ifNoneMatch === "*" || ifNoneMatch.some((t) => t.opaque === etag) ? 304 : null;
  }
  const since = httpDate(headers.get("If-Modified-Since"));
  return since !== null && modified <= since ? 304 : null;
}
