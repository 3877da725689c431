import { describe, expect, it } from "vitest";
import { z } from "zod";
import { htmlFormMarkup } from "../../src/lib/html-form";
import { formFields } from "../../src/openapi/view-facts";
import { booleanField, charField, dateField } from "../../src/schemas/fields";

// DRF's HTML form from a body's zod schema, for every kind of field a form tells apart — some of which
// no serializer of the API declares yet (numbers, choices).

const body = z.object({
  name: charField(z.string().min(1)),
  nickname: charField(z.string()).nullable().optional(),
  email: charField(z.string()).meta({ format: "email" }).optional(),
  new_password: charField(z.string().min(1)),
  done: booleanField.optional(),
  copies: z.number().int().nullable().optional(),
  size: z.enum(["S", "M", "L"]).optional(),
  due: dateField,
  note: charField(z.string()).optional().meta({ description: "Markdown; `#` for a title." }),
});

describe("formFields (what view-facts reads off a validated body)", () => {
  it("gives each field its kind, whether it is required, DRF's initial value, choices and help", () => {
    expect(formFields(body)).toEqual([
      { name: "name", kind: "text", required: true, initial: "" },
      { name: "nickname", kind: "text", required: false, initial: "" },
      { name: "email", kind: "email", required: false, initial: "" },
      { name: "new_password", kind: "password", required: true, initial: "" },
      { name: "done", kind: "boolean", required: false, initial: false },
      { name: "copies", kind: "number", required: false, initial: null },
      { name: "size", kind: "choice", required: false, initial: null, choices: ["S", "M", "L"] },
      { name: "due", kind: "date", required: true, initial: null },
      { name: "note", kind: "text", required: false, initial: "", help: "Markdown; `#` for a title." },
    ]);
  });
});

describe("htmlFormMarkup (DRF's HTMLFormRenderer)", () => {
  const markup = (values: Record<string, unknown>) =>
    htmlFormMarkup({ method: "PUT", fields: formFields(body), values }).markup;

  it("renders each kind as DRF's templates do, filled from the values", () => {
    const form = markup({ name: "Ann", nickname: null, done: true, copies: 3, size: "M", due: "2024-02-29" });
    expect(form).toContain('<form id="put-form" class="html-form" method="post" data-method="PUT" novalidate>');
    expect(form).toContain('<label for="put-name" class="required">Name</label>');
    expect(form).toContain('<input type="text" id="put-name" name="name" required value="Ann">');
    expect(form).toContain('<input type="text" id="put-nickname" name="nickname" value="">');
    expect(form).toContain('<input type="email" id="put-email" name="email" value="">');
    expect(form).toContain('<input type="checkbox" id="put-done" name="done" value="true" checked>');
    expect(form).toContain('<input type="number" id="put-copies" name="copies" value="3">');
    expect(form).toContain(
      '<select id="put-size" name="size"><option value="">--------</option><option value="S">S</option><option value="M" selected>M</option><option value="L">L</option></select>',
    );
    expect(form).toContain('<input type="date" id="put-due" name="due" required value="2024-02-29">');
    expect(form).toContain('aria-describedby="put-note-help"');
    expect(form).toContain('<small id="put-note-help" class="help">Markdown; <code>#</code> for a title.</small>');
    expect(form).toContain("<button>PUT</button>");
    expect(markup({ done: false })).toContain('<input type="checkbox" id="put-done" name="done" value="true">');
  });

  it("never fills in a password, whatever the values say", () => {
    const form = markup({ new_password: "hunter2" });
    expect(form).not.toContain("hunter2");
    expect(form).toContain(
      '<input type="password" id="put-new_password" name="new_password" required autocomplete="new-password">',
    );
  });

  it("escapes every value: markup in a value stays text in the attribute", () => {
    const form = markup({ name: '<script>alert(1)</script>"><img src=x onerror=alert(2)>', size: '"><b>' });
    expect(form).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"');
    expect(form).not.toContain("<script>");
    expect(form).not.toContain("<img");
    expect(form).not.toContain("<b>");
  });
});
