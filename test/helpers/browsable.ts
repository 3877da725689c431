import { type CallOptions, get } from "./http";

// The browsable API's pages as a browser gets and reads them.

/** What Chromium sends when it navigates to a URL. */
const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

export const asBrowser = (options: CallOptions = {}): CallOptions => ({
  ...options,
  headers: { Accept: BROWSER, ...options.headers },
});

export const browse = (path: string, options?: CallOptions) => get(path, asBrowser(options));

export const isHtml = (res: Response) => res.headers.get("Content-Type") === "text/html; charset=UTF-8";

/** HTMLRewriter hands over text and attribute values as written: the escapes the page uses, decoded. */
const decode = (s: string) =>
  s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: "<", gt: ">", quot: '"', "#39": "'", amp: "&" })[e]!);

/**
 * A page as a browser would parse it (HTMLRewriter is a real HTML tokenizer): its elements, its scripts,
 * how much inline code or style it has (style elements and attributes, on* handlers), the links of the
 * exchange, and the text of the exchange, the title and the raw data form.
 */
export async function parsePage(res: Response) {
  const page = { scripts: [] as (string | null)[], links: [] as string[], inline: 0, elements: [] as string[] };
  const text: Record<string, string> = { exchange: "", h1: "", textarea: "" };
  const collect = (key: string) => ({ text: (chunk: Text) => void (text[key] += chunk.text) });
  await new HTMLRewriter()
    .on("*", {
      element: (e) => {
        page.elements.push(e.tagName);
        for (const [name = ""] of e.attributes) if (name.startsWith("on") || name === "style") page.inline++;
      },
    })
    .on("script", { element: (e) => void page.scripts.push(e.getAttribute("src")) })
    .on("style", { element: () => void page.inline++ })
    .on("#exchange a[href]", { element: (e) => void page.links.push(e.getAttribute("href")!) })
    .on("#exchange", collect("exchange"))
    .on("h1", collect("h1"))
    .on("textarea", collect("textarea"))
    .transform(res)
    .text();
  return { ...page, exchange: decode(text.exchange!), h1: decode(text.h1!), textarea: decode(text.textarea!) };
}

/** A control of an HTML form as the browser reads it: its attributes decoded, its label's and help's text. */
export type Control = {
  tag: "input" | "select";
  name: string;
  type: string | null;
  value: string | null;
  checked: boolean;
  required: boolean;
  autocomplete: string | null;
  label: string;
  help: string | null;
  options: { value: string; selected: boolean }[];
};

/** The page's HTML forms (DRF's, one per method) by id: each one's method and controls in order. */
export async function htmlFormsOf(res: Response) {
  const forms = new Map<string, { method: string | null; controls: Control[] }>();
  let controls: Control[] = [];
  const byId = new Map<string, Control>();
  const labels = new Map<string, string>();
  const helps = new Map<string, string>();
  let labelFor = "";
  let helpId = "";
  const attr = (e: Element, name: string) => {
    const value = e.getAttribute(name);
    return value === null ? null : decode(value);
  };
  const control = (tag: Control["tag"]) => (e: Element) => {
    const found: Control = {
      tag,
      name: attr(e, "name")!,
      type: attr(e, "type"),
      value: attr(e, "value"),
      checked: e.hasAttribute("checked"),
      required: e.hasAttribute("required"),
      autocomplete: attr(e, "autocomplete"),
      label: "",
      help: attr(e, "aria-describedby"),
      options: [],
    };
    controls.push(found);
    byId.set(attr(e, "id")!, found);
  };
  await new HTMLRewriter()
    .on("form.html-form", {
      element: (e) => {
        controls = [];
        forms.set(e.getAttribute("id")!, { method: e.getAttribute("data-method"), controls });
      },
    })
    .on("form.html-form input", { element: control("input") })
    .on("form.html-form select", { element: control("select") })
    .on("form.html-form option", {
      element: (e) =>
        void controls.at(-1)!.options.push({ value: attr(e, "value")!, selected: e.hasAttribute("selected") }),
    })
    .on("form.html-form label", {
      element: (e) => void (labelFor = attr(e, "for")!),
      text: (chunk) => void labels.set(labelFor, (labels.get(labelFor) ?? "") + decode(chunk.text)),
    })
    .on("form.html-form .help", {
      element: (e) => void (helpId = attr(e, "id")!),
      text: (chunk) => void helps.set(helpId, (helps.get(helpId) ?? "") + decode(chunk.text)),
    })
    .transform(res)
    .text();
  for (const [id, found] of byId) {
    found.label = labels.get(id) ?? "";
    found.help = found.help === null ? null : (helps.get(found.help) ?? "");
  }
  return forms;
}

/**
 * What a browser sends for `controls` (FormData, urlencoded as the page's script sends it) once a user
 * has made `edits`: text typed in, a box checked (true) or unchecked (false). An unchecked box sends
 * nothing; a select sends its selected option, else its first.
 */
export function formBody(controls: readonly Control[], edits: Record<string, string | boolean> = {}): URLSearchParams {
  const body = new URLSearchParams();
  for (const control of controls) {
    const edit = edits[control.name];
    if (control.type === "checkbox") {
      if (edit ?? control.checked) body.append(control.name, control.value ?? "on");
    } else if (control.tag === "select") {
      const option = control.options.find((o) => o.selected) ?? control.options[0];
      body.append(control.name, typeof edit === "string" ? edit : (option?.value ?? ""));
    } else {
      body.append(control.name, typeof edit === "string" ? edit : (control.value ?? ""));
    }
  }
  return body;
}
