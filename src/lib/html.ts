// HTML built by a tagged template that escapes every value it is given: the only way the API writes
// HTML (the browsable API's page), so that no value — a book's title, a header, a URL — can become markup.

/** Markup that is safe to insert as it is: made by `html` alone. */
export class Html {
  readonly markup: string;

  constructor(markup: string) {
    this.markup = markup;
  }

  toString(): string {
    return this.markup;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text as HTML text or as a quoted attribute value. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

/** A value in a template: Html as it is, a list joined, nothing for null/undefined/false, anything else escaped text. */
function markupOf(value: unknown): string {
  if (value instanceof Html) return value.markup;
  if (Array.isArray(value)) return value.map(markupOf).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/** html`<b>${text}</b>`: the literal parts are markup, every interpolated value is escaped (or is Html). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let markup = strings[0]!;
  for (let i = 0; i < values.length; i++) markup += markupOf(values[i]) + strings[i + 1]!;
  return new Html(markup);
}

/** Text with `code` spans, as describe() and `.meta({ description })` write descriptions. */
export const describedText = (text: string) =>
  text.split("`").map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : html`${part}`));
