import { beforeAll, describe, expect, it } from "vitest";
import { THROTTLE_SCOPES } from "../src/lib/throttle-rates";
import { type CallOptions, call, createBook, get, post, registerUser, staffUser, type TestUser } from "./helpers";

// Every field of every body the API validates (the OpenAPI document's request bodies), sent each value
// of a wrong type, answered with DRF's message for that kind of field — one message, as DRF gives — and
// the same field as a form (urlencoded, and a file in a multipart body). The expected messages are
// DRF's (rest_framework/fields.py default_error_messages), chosen by the field's kind as DRF's own
// schema generator writes it: type, and format for DateField, EmailField and URLField.

// biome-ignore lint/suspicious/noExplicitAny: the document is walked by key as JSON.
type Json = Record<string, any>;

type Kind = "char" | "email" | "url" | "boolean" | "integer" | "date";

/** Each kind's "invalid" message: what to_internal_value says of a value it cannot take. */
const INVALID: Record<Kind, string> = {
  char: "Not a valid string.",
  email: "Enter a valid email address.",
  url: "Enter a valid URL.",
  boolean: "Must be a valid boolean.",
  integer: "A valid integer is required.",
  date: "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
};
const NULL = "This field may not be null.";
const TEXT_KINDS = new Set<Kind>(["char", "email", "url"]);

/** Values no field of the kind takes. A CharField takes numbers as their text (checked apart). */
const WRONG: Record<Kind, unknown[]> = {
  char: [[], ["text"], {}, { a: "text" }, true, false],
  email: [[], ["a@example.com"], {}, true, false],
  url: [[], ["https://example.com"], {}, true, false],
  boolean: ["maybe", "", [], [true], {}, 2, 0.5],
  integer: ["twelve", [], [1], {}, true, 1.5],
  date: ["2024-02-30", "01/02/2024", [], ["2024-01-01"], {}, 20240101, true],
};

/** A field's kind and whether it takes null, from its JSON Schema. */
function kindOf(schema: Json): { kind: Kind; nullable: boolean } {
  const variants: Json[] = schema.anyOf ?? [schema];
  const types = variants.flatMap((v) => (Array.isArray(v.type) ? v.type : [v.type]));
  const nullable = types.includes("null");
  const [type] = types.filter((t) => t !== "null");
  const format = variants.find((v) => v.format)?.format;
  if (type === "string" && format === "date") return { kind: "date", nullable };
  if (type === "string" && format === "email") return { kind: "email", nullable };
  if (type === "string" && format === "uri") return { kind: "url", nullable };
  if (type === "string" && format === undefined) return { kind: "char", nullable };
  if ((type === "boolean" || type === "integer") && format === undefined) return { kind: type, nullable };
  throw new Error(`a field of a kind this test does not know: ${JSON.stringify(schema)}`);
}

type Field = { name: string; kind: Kind; nullable: boolean };
type Route = { method: string; path: string; fields: Field[] };

function validatedRoutes(document: Json): Route[] {
  const resolve = (node: Json): Json =>
    node.$ref
      ? resolve(
          node.$ref
            .split("/")
            .slice(1)
            .reduce((n: Json, k: string) => n[k], document),
        )
      : node;
  const routes: Route[] = [];
  for (const [path, item] of Object.entries(document.paths as Json)) {
    for (const [method, operation] of Object.entries(item as Json)) {
      const schema = operation.requestBody?.content?.["application/json"]?.schema;
      if (!schema) continue;
      const properties = Object.entries((resolve(schema).properties ?? {}) as Json);
      const fields = properties.map(([name, field]) => ({ name, ...kindOf(field) }));
      routes.push({ method: method.toUpperCase(), path, fields });
    }
  }
  return routes;
}

/** Throttles off: the walk sends hundreds of requests, and throttling is tested on its own. */
const UNTHROTTLED = {
  DEFAULT_THROTTLE_RATES: Object.fromEntries(THROTTLE_SCOPES.map((scope) => [scope, null])),
};

describe("wrong types on every field of every serializer", () => {
  let routes: Route[];
  let caller: TestUser;
  /** Ids of objects the caller may change, by the path's resource (the only routes with an {id}). */
  let ids: Record<string, number>;

  beforeAll(async () => {
    routes = validatedRoutes((await (await get("/api/schema/")).json()) as Json);
    // A staff user may call every route (a user token for most, staff for /api/users/{id}/); each
    // {id} names an object it may change, so that the answer is the body's and not a 404 or 403.
    caller = await staffUser();
    const task = await post("/api/tasks/", { title: "Read" }, { token: caller.access });
    const profile = await post("/api/profiles/", {}, { token: caller.access });
    ids = {
      books: (await createBook(caller)).id,
      tasks: ((await task.json()) as { id: number }).id,
      profiles: ((await profile.json()) as { id: number }).id,
      users: (await registerUser()).id,
    };
  });

  const urlOf = (path: string) =>
    path.replace("{id}", () => {
      const id = ids[path.split("/")[2]!];
      if (id === undefined) throw new Error(`${path}: no object of this resource to send to`);
      return String(id);
    });

  const send = (route: Route, body: unknown, headers: Record<string, string> = {}) => {
    const options: CallOptions = { token: caller.access, bindings: UNTHROTTLED, headers };
    return call(route.method, urlOf(route.path), body, options);
  };

  /** The field's errors in the answer (undefined when it has none), with the status. */
  const answer = async (res: Response, field: string) => {
    const body = (await res.json()) as Json;
    return { status: res.status, errors: res.status === 400 ? body[field] : undefined };
  };

  it("finds the routes and fields to walk", () => {
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.flatMap((r) => r.fields).length).toBeGreaterThan(60);
    const kinds = new Set(routes.flatMap((r) => r.fields.map((f) => f.kind)));
    expect([...kinds]).toEqual(expect.arrayContaining(["boolean", "char", "date", "email", "url"]));
  });

  // A request per field and wrong type, every route: more than the default 5 s on a loaded 2-core machine.
  it("answers each wrong type with the field kind's one message, in JSON", { timeout: 30_000 }, async () => {
    let cases = 0;
    for (const route of routes) {
      for (const { name, kind, nullable } of route.fields) {
        const where = `${route.method} ${route.path} ${name} (${kind})`;
        for (const value of WRONG[kind]) {
          const res = await send(route, { [name]: value });
          expect(await answer(res, name), `${where}: ${JSON.stringify(value)}`).toEqual({
            status: 400,
            errors: [INVALID[kind]],
          });
          cases++;
        }
        const none = await answer(await send(route, { [name]: null }), name);
        expect(none.errors, `${where}: null`).toEqual(nullable ? undefined : [NULL]);
        cases++;
        if (TEXT_KINDS.has(kind)) {
          // CharField takes a number as its text: the answer is the one its text gets.
          for (const number of [42, 4.5]) {
            const asNumber = await answer(await send(route, { [name]: number }), name);
            expect(asNumber, `${where}: ${number}`).toEqual(
              await answer(await send(route, { [name]: String(number) }), name),
            );
            // (An EmailField's and a URLField's "invalid" is also their message for text they refuse.)
            if (kind === "char") expect(asNumber.errors ?? [], `${where}: ${number}`).not.toContain(INVALID.char);
            cases++;
          }
        }
      }
    }
    console.log("CASES", cases);
    expect(cases).toBeGreaterThan(500);
  });

  // A request per field and wrong type, every route: more than the default 5 s on a loaded 2-core machine.
  it("takes every body as a form too: a file is the wrong type for any field, text is read as JSON's", {
    timeout: 30_000,
  }, async () => {
    for (const route of routes) {
      for (const { name, kind } of route.fields) {
        const where = `${route.method} ${route.path} ${name} (${kind})`;
        const form = new FormData();
        form.append(name, new Blob(["not a field's value"]), "upload.bin");
        expect(await answer(await send(route, form), name), `${where}: a file`).toEqual({
          status: 400,
          errors: [INVALID[kind]],
        });
        // Text that is wrong for the kind (or, for text fields, any text) gets JSON's answer as a form field.
        const text = TEXT_KINDS.has(kind) ? "x" : String(WRONG[kind][0]);
        const urlencoded = `${encodeURIComponent(name)}=${encodeURIComponent(text)}`;
        const asForm = await send(route, urlencoded, { "Content-Type": "application/x-www-form-urlencoded" });
        expect(await answer(asForm, name), `${where}: ${text} as a form field`).toEqual(
          await answer(await send(route, { [name]: text }), name),
        );
      }
      const plain = await send(route, "a=b", { "Content-Type": "text/plain" });
      expect(plain.status, `${route.method} ${route.path}: text/plain`).toBe(415);
    }
  });
});
