import { describedText, type Html, html } from "./html";

// DRF's HTMLFormRenderer, as its browsable API uses it: one labelled input per writable field of a
// serializer, of the type DRF's default_style gives the field's class, starting from a value.

/** The serializer field classes a form tells apart (CharField, EmailField, URLField, BooleanField, …). */
export type FieldKind = "text" | "email" | "url" | "password" | "boolean" | "number" | "date" | "choice";

/** A writable field of a body, as a form shows it. */
export type FormField = {
  name: string;
  kind: FieldKind;
  required: boolean;
  /** DRF's Field.initial: what a form for a new object (and the raw data form) starts from. */
  initial: unknown;
  /** A ChoiceField's choices. */
  choices?: readonly string[];
  /** The field's help_text: its description. */
  help?: string;
};

/** The HTML form of a method: its fields, and the values they start from. */
export type HtmlForm = { method: string; fields: readonly FormField[]; values: Readonly<Record<string, unknown>> };

/** DRF's default_style: the input type of each field class that input.html renders. */
const INPUT_TYPES: Record<Exclude<FieldKind, "boolean" | "choice">, string> = {
  text: "text",
  email: "email",
  url: "url",
  password: "password",
  number: "number",
  date: "date",
};

/** Django's label of a field without a verbose name: "published_date" → "Published date". */
function labelOf(name: string): string {
  const words = name.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A value as an input's text: null (DRF's None) and anything but text or a number leave it empty. */
const textOf = (value: unknown) => (typeof value === "string" || typeof value === "number" ? String(value) : "");

function controlMarkup(field: FormField, id: string, value: unknown): Html {
  const describedBy = field.help ? html` aria-describedby="${id}-help"` : "";
  const attributes = html`id="${id}" name="${field.name}"${describedBy}`;
  // A checkbox has no `required`: a BooleanField's unchecked box is false, never missing.
  const required = field.required ? html` required` : "";
  switch (field.kind) {
    case "boolean":
      // DRF's checkbox.html: "true" when checked; an unchecked box sends nothing, which POST's and PUT's
      // full serializer reads as false (lib/html-input.ts).
      return html`<input type="checkbox" ${attributes} value="true"${value === true ? html` checked` : ""}>`;
    case "choice": {
      const chosen = textOf(value);
      const options = (field.choices ?? []).map(
        (choice) => html`<option value="${choice}"${choice === chosen ? html` selected` : ""}>${choice}</option>`,
      );
      const blank = field.required ? "" : html`<option value="">--------</option>`;
      return html`<select ${attributes}${required}>${blank}${options}</select>`;
    }
    case "password":
      // Never filled in, not even from the object; new-password keeps the browser from filling in a saved one.
      return html`<input type="password" ${attributes}${required} autocomplete="new-password">`;
    default:
      return html`<input type="${INPUT_TYPES[field.kind]}" ${attributes}${required} value="${textOf(value)}">`;
  }
}

function fieldMarkup(field: FormField, id: string, value: unknown): Html {
  return html`<div class="field ${field.kind}">
<label for="${id}"${field.required ? html` class="required"` : ""}>${labelOf(field.name)}</label>
${controlMarkup(field, id, value)}${field.help ? html`\n<small id="${id}-help" class="help">${describedText(field.help)}</small>` : ""}
</div>`;
}

/**
 * The form of one method (POST or PUT), sent by the page's script as a browser would post it. Like
 * DRF's, it is `novalidate`: the API says what is wrong, in its 400, not the browser.
 */
export function htmlFormMarkup({ method, fields, values }: HtmlForm): Html {
  const prefix = method.toLowerCase();
  return html`<form id="${prefix}-form" class="html-form" method="post" data-method="${method}" novalidate>
${fields.map((field) => fieldMarkup(field, `${prefix}-${field.name}`, values[field.name]))}
<div class="actions"><button>${method}</button></div>
</form>`;
}
