import { Validator } from "@cfworker/json-schema";
// The official OpenAPI 3.1 JSON Schema (spec.openapis.org), as shipped by @seriousme/openapi-schema-validator;
// that package's own Ajv engine compiles code at run time, which workerd forbids, so this one runs it.
import oas31 from "@seriousme/openapi-schema-validator/schemas/v3.1/schema.json";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createApp } from "../src/app";
import { routeOperations } from "../src/openapi/document";
import { bookResponse } from "../src/schemas/books";
import { profileResponse } from "../src/schemas/profiles";
import { taskResponse } from "../src/schemas/tasks";
import { passwordChangedResponse, registrationResponse, tokenPairResponse } from "../src/schemas/token";
import { passwordChangeBody, registerBody, userResponse } from "../src/schemas/users";
import { call, get, post, registerUser, STRONG_PASSWORD, unique } from "./helpers";

// biome-ignore lint/suspicious/noExplicitAny: the document is walked by key as JSON, unchecked on purpose.
type Json = Record<string, any>;
const routes = routeOperations(createApp().routes);

/** Freezes `value` and everything in it: a fixture the tests of a file share must stay as it was served. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

describe("GET /api/schema/", () => {
  // Fetched once for the file; every test only reads it.
  let res: Response;
  let document: Json;
  beforeAll(async () => {
    res = await get("/api/schema/");
    document = deepFreeze((await res.json()) as Json);
  });

  it("is a valid OpenAPI 3.1 document", () => {
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(document.openapi).toBe("3.1.0");
    const result = new Validator(oas31 as object, "2020-12", false).validate(document);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("lets the validator catch a broken document (the check above can fail)", () => {
    const broken = { ...document, paths: { "/api/x/": { get: { responses: { 200: {} } } } } };
    expect(new Validator(oas31 as object, "2020-12", false).validate(broken).valid).toBe(false);
  });

  it("documents every registered route, and nothing else", () => {
    const documented = Object.entries(document.paths as Json).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const registered = routes.map((r) => r.key);
    expect(registered.length).toBeGreaterThan(30);
    expect(documented.sort()).toEqual([...registered].sort());
  });

  it("has a summary, a description and a success response for every route (each route's describe(), beside it)", () => {
    const undescribed = routes.filter((r) => !r.facts.some((f) => f.kind === "operation")).map((r) => r.key);
    expect(undescribed).toEqual([]);
    for (const { method, path } of routes) {
      const operation = document.paths[path][method.toLowerCase()];
      expect(operation.summary, `${method} ${path}`).toEqual(expect.any(String));
      expect(operation.description, `${method} ${path}`).toEqual(expect.any(String));
      expect(
        Object.keys(operation.responses).some((s) => /^[23]/.test(s)),
        `${method} ${path}`,
      ).toBe(true);
    }
  });

  it("declares every path parameter and resolves every $ref", () => {
    for (const [path, item] of Object.entries(document.paths as Json)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const operation of Object.values(item as Json)) {
        const declared = (operation.parameters ?? []).filter((p: Json) => p.in === "path").map((p: Json) => p.name);
        expect(declared, path).toEqual(names);
      }
    }
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of new Set(refs)) {
      const target = ref.split("/").reduce<Json | undefined>((node, key) => node?.[key], document);
      expect(target, ref).toBeDefined();
    }
    const operations = Object.values(document.paths as Json).flatMap((item) => Object.values(item as Json));
    const ids = operations.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("takes request bodies from the zod schemas that validate them", () => {
    const asInput = (schema: z.ZodType) => {
      const { $schema: _, ...json } = z.toJSONSchema(schema, { io: "input" });
      return json;
    };
    const body = (path: string) => document.paths[path].post.requestBody;
    expect(body("/api/register/").content["application/json"].schema).toEqual(asInput(registerBody));
    expect(body("/api/register/").content["application/json"].schema.required).toEqual([
      "username",
      "password",
      "password_confirm",
    ]);
    expect(body("/api/password/change/").content["application/json"].schema).toEqual(asInput(passwordChangeBody));
    // DRF's default parsers: the same fields as JSON, as a urlencoded form, or as multipart.
    const { content } = body("/api/register/");
    expect(Object.keys(content)).toEqual([
      "application/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data",
    ]);
    for (const media of Object.values(content)) expect(media).toEqual(content["application/json"]);
    // What DRF's schema says of an EmailField.
    expect(content["application/json"].schema.properties.email).toMatchObject({ type: "string", format: "email" });
    // DRF reads an empty body as {}: a body with no required field is optional.
    expect(document.paths["/api/books/{id}/"].patch.requestBody.required).toBe(false);
    expect(document.paths["/api/profiles/me/avatar/"].put.requestBody.content).toHaveProperty(["image/*"]);
  });

  it("declares the Bearer scheme, and a requirement only where a token is needed", () => {
    expect(document.components.securitySchemes).toEqual({
      bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: expect.any(String) },
    });
    // No default for the whole document: each operation says for itself.
    expect(document).not.toHaveProperty("security");
    const operation = (method: string, path: string) => document.paths[path][method];
    for (const [method, path] of [
      ["get", "/api/users/me/"],
      ["post", "/api/books/"],
      ["delete", "/api/books/{id}/"],
      ["get", "/api/tasks/"],
    ]) {
      expect(operation(method!, path!).security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
      expect(operation(method!, path!).responses["401"], `${method} ${path}`).toEqual({
        $ref: "#/components/responses/NotAuthenticated",
      });
    }
    // Anyone may call these: no requirement (Swagger UI draws no padlock). Bearer authentication still
    // runs on them, so a token that is sent must be valid: their 401 says so.
    for (const [method, path] of [
      ["get", "/api/books/"],
      ["get", "/api/books/{id}/"],
      ["get", "/api/"],
      ["get", "/api/health/"],
      ["post", "/api/register/"],
    ]) {
      expect(operation(method!, path!).security, `${method} ${path}`).toEqual([]);
      expect(operation(method!, path!).responses["401"], `${method} ${path}`).toEqual({
        $ref: "#/components/responses/NotAuthenticated",
        description: expect.stringContaining("No token is needed here"),
      });
    }
    // simplejwt's views ignore the Authorization header: their 401 is about the credentials in the body.
    expect(operation("post", "/api/token/").security).toEqual([]);
    expect(operation("post", "/api/token/").responses["401"]).toEqual({
      $ref: "#/components/responses/NotAuthenticated",
    });
    expect(operation("get", "/.well-known/jwks.json").responses).not.toHaveProperty("401");
    // No operation is left with optional authentication ([{}, {bearerAuth: []}]), which Swagger UI draws as locked.
    const requirements = Object.values(document.paths as Json).flatMap((item) =>
      Object.values(item as Json).map((o) => JSON.stringify(o.security)),
    );
    expect(new Set(requirements)).toEqual(new Set(["[]", '[{"bearerAuth":[]}]']));
  });

  it("declares every tag the operations use, with a description, and the origin that serves it", () => {
    const used = new Set(
      Object.values(document.paths as Json).flatMap((item) => Object.values(item as Json).flatMap((o) => o.tags)),
    );
    const declared = (document.tags as Json[]).map((t) => t.name);
    expect(new Set(declared)).toEqual(used);
    expect(declared.length).toBe(used.size);
    for (const tag of document.tags as Json[]) expect(tag.description, tag.name).toEqual(expect.any(String));
    expect(document.servers).toEqual([{ url: "/", description: expect.any(String) }]);
  });

  it("describes the error responses in DRF's shapes", () => {
    const responses = (method: string, path: string) => Object.keys(document.paths[path][method].responses);
    expect(responses("post", "/api/register/")).toEqual(["201", "400", "401", "413", "415", "429"]);
    expect(responses("get", "/api/users/{id}/")).toEqual(["200", "401", "403", "404", "429"]);
    expect(responses("put", "/api/books/{id}/")).toEqual(["200", "400", "401", "403", "404", "413", "415", "429"]);
    expect(responses("post", "/api/token/")).toEqual(["200", "400", "401", "413", "415", "429", "503"]);
    // Avatars are served outside the throttles.
    expect(responses("get", "/api/avatars/{key}")).toEqual(["200", "304", "401", "404", "412"]);
    const { ValidationError, Throttled } = document.components.responses;
    expect(ValidationError.content["application/json"].schema.oneOf).toEqual([
      { $ref: "#/components/schemas/ValidationErrors" },
      { $ref: "#/components/schemas/ErrorDetail" },
    ]);
    expect(Object.keys(Throttled.headers)).toEqual(["Retry-After", "RateLimit", "RateLimit-Policy"]);
    expect(document.components.schemas.ValidationErrors).toMatchObject({
      type: "object",
      additionalProperties: { type: "array", items: { type: "string" } },
    });
  });
});

// That the schemas bind their serializers is checked by the typecheck: test/openapi.type-test.ts.
describe("documented response shapes", () => {
  it("match what the API answers", async () => {
    // strict: a field the API sends but the document does not list fails too.
    const strict = <T extends z.ZodObject>(schema: T, body: unknown) => schema.strict().parse(body) as z.output<T>;
    const username = unique();
    const password = STRONG_PASSWORD;
    const registered = await post("/api/register/", { username, password, password_confirm: password });
    const { access } = strict(registrationResponse, await registered.json());
    strict(tokenPairResponse, await (await post("/api/token/", { username, password })).json());
    strict(userResponse, await (await get("/api/users/me/", { token: access })).json());
    const book = { title: "Dune", author: "Frank Herbert", published_date: "1965-08-01" };
    strict(bookResponse, await (await post("/api/books/", book, { token: access })).json());
    strict(taskResponse, await (await post("/api/tasks/", { title: "Read" }, { token: access })).json());
    strict(profileResponse, await (await post("/api/profiles/", { bio: "Hi" }, { token: access })).json());
    const user = await registerUser();
    const next = "another fine passphrase";
    const change = { old_password: user.password, new_password: next, new_password_confirm: next };
    strict(passwordChangedResponse, await (await post("/api/password/change/", change, { token: user.access })).json());
  });
});

describe("GET /api/docs/", () => {
  it("serves Swagger UI for the document, with its own CSP", async () => {
    const res = await get("/api/docs/");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('data-url="/api/schema/"');
    // Swagger UI comes from the Worker's own static assets (public/), never a CDN, and starts from a file.
    const sources = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map(([, url]) => url);
    expect(sources).toEqual([
      "/api/docs/assets/swagger-ui/swagger-ui.css",
      "/api/docs/assets/swagger-ui/swagger-ui-bundle.js",
      "/api/docs/assets/swagger-initializer.js",
    ]);
    expect(html).not.toMatch(/<script>|<style|style="/);
    const csp = res.headers.get("Content-Security-Policy")!;
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("is a GET-only route like any other", async () => {
    const res = await call("POST", "/api/docs/");
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
  });
});
