// The links between README.md and the pages of docs/, checked by `npm run test:readme` before any
// walkthrough runs: a relative link must name a file that exists and, for a Markdown file, an anchor
// that is one of its headings as GitHub renders them; and every page of docs/ must be reachable from
// the README. Pure functions of the pages' text, so test/unit/doc-links.test.ts runs them as they are.

/** A Markdown file by its path from the repository root (posix separators), and its text. */
export type Pages = ReadonlyMap<string, string>;

export type Link = { target: string; line: number };

/** The lines of a Markdown text outside fenced code blocks, with their 1-based numbers. */
function proseLines(markdown: string): { text: string; number: number }[] {
  const prose: { text: string; number: number }[] = [];
  let fence: string | null = null; // the backticks or tildes that opened the current block
  markdown.split("\n").forEach((text, index) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(text)?.[1];
    if (fence) {
      if (
        marker &&
        marker[0] === fence[0] &&
        marker.length >= fence.length &&
        !/\S/.test(text.trim().slice(marker.length))
      )
        fence = null;
    } else if (marker) fence = marker;
    else prose.push({ text, number: index + 1 });
  });
  return prose;
}

/** A line with its code spans blanked out, so that `[x](y)` inside backticks is no link. */
const withoutCodeSpans = (text: string) => text.replace(/(`+)[^`]*?\1/g, (span) => " ".repeat(span.length));

/**
 * GitHub's anchor for a heading (github-slugger): the rendered text, lower case, every character that
 * is not a letter, a mark, a digit, `_`, `-` or a space removed, then each space turned into `-`.
 */
export function slugify(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link or image: its text
    // A code span renders as its content, underscores and all; elsewhere `_` that opens or closes
    // emphasis is no text (`*` is punctuation, removed below anyway).
    .replace(/(`+)([^`]*?)\1|[^`]+/g, (part, ticks, code) =>
      ticks ? code : part.replace(/(^|[^\p{L}\p{N}_])_+(?=\S)|(?<=\S)_+(?=[^\p{L}\p{N}_]|$)/gu, "$1"),
    );
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replaceAll(" ", "-");
}

/** The anchors of a Markdown text's ATX headings (`## Title`), a repeated one suffixed -1, -2… as GitHub does. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const slug = slugify(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The inline links and images of a Markdown text, outside code, in order. */
export function links(markdown: string): Link[] {
  const found: Link[] = [];
  for (const { text, number } of proseLines(markdown)) {
    for (const match of withoutCodeSpans(text).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      found.push({ target: match[1]!, line: number });
  }
  return found;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** `from`'s directory joined with a relative path, `..` and `.` resolved; null if it leaves the root. */
export function resolvePath(from: string, target: string): string | null {
  const parts = target.startsWith("/") ? [] : from.split("/").slice(0, -1);
  for (const part of target.split("/")) {
    if (part === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else if (part !== "." && part !== "") parts.push(part);
  }
  return parts.join("/");
}

/** The page a relative link points into (a Markdown file of `pages`, or null), and its anchor. */
function destination(from: string, target: string) {
  const hash = target.indexOf("#");
  const path = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
  return { path: path === "" ? from : resolvePath(from, decodeURIComponent(path)), anchor };
}

/**
 * Every broken relative link of `pages`, as `file:line: message`: a path that leaves the repository or
 * names nothing (`exists` answers for files that are not among the pages, e.g. BENCHMARKS.md or a
 * directory), and an anchor that is not a heading of the Markdown page it points into.
 */
export function brokenLinks(pages: Pages, exists: (path: string) => boolean): string[] {
  const problems: string[] = [];
  for (const [file, markdown] of pages) {
    for (const { target, line } of links(markdown)) {
      if (isExternal(target)) continue;
      const { path, anchor } = destination(file, target);
      const at = `${file}:${line}: (${target})`;
      if (path === null) problems.push(`${at} leaves the repository`);
      else if (!pages.has(path) && !exists(path)) problems.push(`${at} links to ${path}, which does not exist`);
      else if (anchor !== null && pages.has(path) && !headingAnchors(pages.get(path)!).has(anchor))
        problems.push(`${at} links to #${anchor}, which is not a heading of ${path}`);
    }
  }
  return problems;
}

/**
 * The pages reachable from `start` by relative links, in the order a reader meets them: `start`, then
 * the pages it links in the order of its links, then theirs (breadth first).
 */
export function readingOrder(pages: Pages, start: string): string[] {
  const order = [start];
  for (let i = 0; i < order.length; i++) {
    const file = order[i]!;
    for (const { target } of links(pages.get(file) ?? "")) {
      if (isExternal(target)) continue;
      const { path } = destination(file, target);
      if (path !== null && pages.has(path) && !order.includes(path)) order.push(path);
    }
  }
  return order;
}
