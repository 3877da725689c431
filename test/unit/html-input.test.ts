import { describe, expect, it } from "vitest";
import { z } from "zod";
import { htmlInputData, partial } from "../../src/lib/html-input";
import type { QueryDict } from "../../src/lib/request-body";
import { booleanField, charField } from "../../src/schemas/fields";

// DRF's Field.get_value for HTML input, branch by branch, on fields of each kind the API's serializers
// could declare (some of them no serializer declares yet, e.g. a nullable field that may not be blank).

const form = (fields: Record<string, string | string[]>): QueryDict =>
  new Map(Object.entries(fields).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));

const serializer = z.object({
  required: charField(z.string().min(1)),
  optional: charField(z.string().min(1)).optional(),
  blankable: charField(z.string()).optional(),
  nullable: charField(z.string().min(1)).nullable().optional(),
  nullableBlankable: charField(z.string()).nullable().optional(),
  box: booleanField.optional(),
  nullableBox: booleanField.nullable().optional(),
});

describe("htmlInputData (DRF's HTML input)", () => {
  it("an absent key: nothing, but a BooleanField's box is false (null if it allows null)", () => {
    expect(htmlInputData(form({}), serializer)).toEqual({ box: false, nullableBox: null });
  });

  it("an absent key on a partial serializer: nothing at all", () => {
    expect(htmlInputData(form({}), partial(serializer))).toEqual({});
  });

  it('"": kept where blank is allowed, null where only null is, left out where the field is optional, else kept', () => {
    const blanks = Object.fromEntries(Object.keys(serializer.shape).map((name) => [name, ""]));
    expect(htmlInputData(form(blanks), serializer)).toEqual({
      required: "",
      blankable: "",
      nullable: null,
      nullableBlankable: "",
      nullableBox: null,
    });
    // Required is the full serializer's, even on PATCH: a blank required field is still "may not be blank".
    expect(htmlInputData(form(blanks), partial(serializer))).toEqual({
      required: "",
      blankable: "",
      nullable: null,
      nullableBlankable: "",
      nullableBox: null,
    });
  });

  it("the last value of a repeated key, and no key that is not a field", () => {
    expect(htmlInputData(form({ required: ["a", "b"], box: ["on", "off"], is_staff: "on" }), serializer)).toEqual({
      required: "b",
      box: "off",
      nullableBox: null,
    });
  });

  it("a schema that is not an object of fields: every key's last value", () => {
    expect(htmlInputData(form({ a: ["1", "2"], b: "" }), z.record(z.string(), z.string()))).toEqual({ a: "2", b: "" });
  });
});
