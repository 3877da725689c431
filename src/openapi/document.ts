import type { RouterRoute } from "hono/types";
import { findTargetHandler } from "hono/utils/handler";
import { z } from "zod";
import { PARSED_MEDIA_TYPES } from "../lib/request-body";
import { needsUserFor } from "../middleware/permissions";
import { ERROR_RESPONSES } from "./error-responses";
import { type Json, SchemaComponents } from "./json-schema";
import { type ErrorStatus, factsOf, type Operation, type RouteFacts } from "./route-facts";
import { TAGS } from "./tags";

export type DocumentOptions = { title: string; version: string; description: string };

/** A route as the document sees it: one method on one path, with the facts of all its middleware. */
export type RouteOperation = { key: string; method: string; path: string; honoPath: string; facts: RouteFacts[] };

/** Hono's `/api/books/:id{[0-9]+}/` as OpenAPI's `/api/books/{id}/`. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");

/** Every registered method+path (middleware-only `ALL` entries left out), in registration order. */
export function routeOperations(routes: readonly RouterRoute[]): RouteOperation[] {
  const byKey = new Map<string, RouteOperation>();
  for (const route of routes) {
    if (route.method === "ALL") continue;
    const path = openApiPath(route.path);
    const key = `${route.method} ${path}`;
    const operation = byKey.get(key) ?? { key, method: route.method, path, honoPath: route.path, facts: [] };
    const facts = factsOf(findTargetHandler(route.handler));
    if (facts) operation.facts.push(facts);
    byKey.set(key, operation);
  }
  return [...byKey.values()];
}

const jsonContent = (schema: Json) => ({ "application/json": { schema } });

/** `GET /api/books/{id}/` → `getApiBooksId`. */
const operationId = ({ method, path }: RouteOperation) =>
  method.toLowerCase() + path.replace(/[^a-z0-9]+([a-z0-9])?/gi, (_, next?: string) => next?.toUpperCase() ?? "");

/** A path parameter's schema from its pattern, for routes that match ids by pattern alone. */
function patternSchema(pattern: string | undefined): Json {
  if (pattern === "[0-9]+") return { type: "integer" };
  return pattern ? { type: "string", pattern: `^${pattern}$` } : { type: "string" };
}

function pathParameters(route: RouteOperation): Json[] {
  return [...route.honoPath.matchAll(/:(\w+)(?:\{([^}]*)\})?/g)].map(([, name, pattern]) => ({
    name,
    in: "path",
    required: true,
    schema: patternSchema(pattern),
  }));
}

function requestBody(route: RouteOperation, operation: Operation | undefined, schemas: SchemaComponents) {
  const validated = route.facts.find((f) => f.kind === "json");
  if (validated) {
    const schema = schemas.of(validated.schema, "input");
    // DRF reads an empty body as {}: the body is only required when some field is. A form (DRF's
    // FormParser, MultiPartParser) carries the same fields, its values read as JSON's would be.
    const content = Object.fromEntries(PARSED_MEDIA_TYPES.map((mediaType) => [mediaType, { schema }]));
    return { required: ((schema.required ?? []) as string[]).length > 0, content };
  }
  const raw = operation?.requestBody;
  if (!raw) return undefined;
  const bodies = Array.isArray(raw) ? raw : [raw];
  return { required: true, content: Object.fromEntries(bodies.map((b) => [b.mediaType, { schema: b.schema }])) };
}

/** What the middleware implies: who may call, and which errors validation, auth and throttles produce. */
function derivedFacts(route: RouteOperation) {
  const permit = route.facts.find((f) => f.kind === "permit");
  const permissions = permit?.permissions ?? [];
  // Each permission says of itself whom it needs and whether it judges the account (403).
  const needsUser = permissions.some((p) => needsUserFor(p, route.method));
  // Bearer authentication refuses a bad token with 401 wherever it runs.
  const authenticated = permit?.authenticate ?? false;
  const errors = new Set<ErrorStatus>();
  if (route.facts.some((f) => f.kind === "json")) for (const status of [400, 413, 415] as const) errors.add(status);
  if (route.honoPath.includes(":")) errors.add(404);
  if (needsUser || authenticated) errors.add(401);
  if (permissions.some((p) => p.allowsAccount !== undefined)) errors.add(403);
  if (permit && (permit.throttles === undefined || permit.throttles.length > 0)) errors.add(429);
  // Only an operation that needs a token has a security requirement. Optional authentication written as
  // [{}, {bearerAuth: []}] is valid OpenAPI, but Swagger UI draws a padlock for any requirement but a
  // lone {} and draws it closed whenever one requirement is met, as {} always is: public operations
  // looked locked. Where Bearer authentication runs anyway, their 401 says so instead.
  const security = needsUser ? [{ bearerAuth: [] }] : [];
  return { errors, security, optionalToken: authenticated && !needsUser };
}

/** The 401 of an operation that needs no token but checks one that is sent (a 3.1 $ref may override the description). */
const OPTIONAL_TOKEN_401 =
  "No token is needed here, but one that is sent is checked: a bad, expired or revoked token is refused.";

/** What the route's describe() says of it. */
const operationOf = (route: RouteOperation): Operation | undefined =>
  route.facts.flatMap((f) => (f.kind === "operation" ? [f.operation] : []))[0];

function operationObject(route: RouteOperation, schemas: SchemaComponents): Json {
  const operation = operationOf(route);
  const { errors, security, optionalToken } = derivedFacts(route);
  for (const status of operation?.errors ?? []) errors.add(status);

  const responses: Json = {};
  for (const [status, { description, body }] of Object.entries(operation?.responses ?? {})) {
    if (body === undefined) responses[status] = { description };
    else if (body instanceof z.ZodType) {
      responses[status] = { description, content: jsonContent(schemas.of(body, "output")) };
    } else responses[status] = { description, content: { [body.mediaType]: { schema: body.schema } } };
  }
  for (const status of [...errors].sort((a, b) => a - b)) {
    const $ref = `#/components/responses/${ERROR_RESPONSES[status].name}`;
    responses[status] = status === 401 && optionalToken ? { $ref, description: OPTIONAL_TOKEN_401 } : { $ref };
  }
  const parameters = pathParameters(route);
  return {
    operationId: operationId(route),
    ...(operation && { tags: [operation.tag], summary: operation.summary, description: operation.description }),
    security,
    ...(parameters.length > 0 && { parameters }),
    requestBody: requestBody(route, operation, schemas),
    responses,
  };
}

function errorComponents(schemas: SchemaComponents): Json {
  const responses: Json = {};
  for (const { name, description, schema, example, headers } of Object.values(ERROR_RESPONSES)) {
    const bodies = schema.map((s) => schemas.of(s, "output"));
    const body = bodies.length === 1 ? bodies[0]! : { oneOf: bodies };
    responses[name] = { description, headers, content: { "application/json": { schema: body, example } } };
  }
  return responses;
}

const BEARER_DESCRIPTION =
  "The `access` token of `POST /api/token/` (or of registration). Operations with a padlock need it; the " +
  "others take none, and refuse a bad one that is sent.";

/** The OpenAPI 3.1 document of the app's registered routes. */
export function openApiDocument(routes: readonly RouterRoute[], options: DocumentOptions): Json {
  const schemas = new SchemaComponents();
  const paths: Record<string, Json> = {};
  const used = new Set<string>();
  for (const route of routeOperations(routes)) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operationObject(route, schemas);
    const tag = operationOf(route)?.tag;
    if (tag) used.add(tag);
  }
  const responses = errorComponents(schemas);
  // Through JSON and back: members left undefined (no description, no request body) disappear.
  return JSON.parse(
    JSON.stringify({
      openapi: "3.1.0",
      info: { title: options.title, version: options.version, description: options.description },
      // The document is served by the API it describes: its paths are on the origin that serves it.
      servers: [{ url: "/", description: "The origin that serves this document." }],
      tags: Object.entries(TAGS).flatMap(([name, description]) => (used.has(name) ? [{ name, description }] : [])),
      paths,
      components: {
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "JWT",
            description: BEARER_DESCRIPTION,
          },
        },
        responses,
        schemas: schemas.schemas,
      },
    }),
  ) as Json;
}
