// Proactive content negotiation on the Accept header (RFC 9110 §12.5.1), for the two representations
// the API has: its JSON and the browsable API's HTML page around it.

type MediaRange = { type: string; subtype: string; q: number };

/** RFC 9110's qvalue: 0 to 1 with at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** The media ranges of an Accept header; a malformed range is skipped, as if it had not been sent. */
function mediaRanges(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const item of accept.split(",")) {
    const [range = "", ...params] = item.split(";").map((part) => part.trim().toLowerCase());
    const [type, subtype, extra] = range.split("/");
    if (!type || !subtype || extra !== undefined || (type === "*" && subtype !== "*")) continue;
    const qParam = params.find((p) => p.startsWith("q="));
    const q = qParam === undefined ? "1" : qParam.slice(2);
    if (!QVALUE.test(q)) continue;
    ranges.push({ type, subtype, q: Number(q) });
  }
  return ranges;
}

/**
 * The quality the ranges give `mediaType` (`type/subtype`): that of the most specific range that
 * matches it (`text/html` over `text/*` over `*\/*`), 0 if none does. Parameters other than q are
 * not compared: no client of this API asks for a JSON or HTML variant by parameter.
 */
function quality(ranges: readonly MediaRange[], mediaType: string): number {
  const [type, subtype] = mediaType.split("/");
  let best = { specificity: -1, q: 0 };
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype ? 2 : range.type === type && range.subtype === "*" ? 1 : 0;
    if (specificity === 0 && range.type !== "*") continue;
    if (specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best.q;
}

/**
 * Whether a request's Accept prefers HTML to JSON: a browser's navigation does (`text/html,…,*\/*;q=0.8`);
 * no Accept, `*\/*`, `application/json`, or a tie do not — JSON is DRF's first renderer, so it wins ties.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = mediaRanges(accept);
  return quality(ranges, "text/html") > quality(ranges, "application/json");
}
