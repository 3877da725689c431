// The SPA's API client: openapi-fetch, typed by api-schema.d.ts (generated from GET /api/schema/ by
// `npm run client:generate`), with the two things every request needs — the newest D1 bookmark and
// the access token — added by middleware. Calling a path, sending a field or reading a field the
// document does not have fails `npm run typecheck` (api.type-test.ts holds the proof).
import createClient, { type ClientPathsWithMethod, type FetchResponse, type Middleware } from "openapi-fetch";
import type { components, paths } from "./api-schema";

/** Built in, as an SPA's build does (import.meta.env): a page opened from a mailed link knows it too. */
export const API = import.meta.env.API_URL;
export const BOOKMARK = "x-d1-bookmark";
/** Cookie mode: the refresh token travels as the HttpOnly __Host-refresh cookie, never through this script. */
export const COOKIE_MODE = { "X-Token-Transport": "cookie" };

/** What the SPA holds, in memory only: a reload forgets it. */
export const session = {
  access: null as string | null,
  /** The newest D1 bookmark any response carried: sent back, every read sees this client's writes. */
  bookmark: null as string | null,
};

/** The bookmark each response's request carried, so that the page can show what it sent. */
export const bookmarkSent = new WeakMap<Response, string | null>();

const bookmarks: Middleware = {
  onRequest({ request }) {
    if (session.bookmark !== null) request.headers.set(BOOKMARK, session.bookmark);
    return request;
  },
  onResponse({ request, response }) {
    bookmarkSent.set(response, request.headers.get(BOOKMARK));
    // Readable only because CORS exposes it. Bookmarks compare as strings: the larger is the newer.
    const seen = response.headers.get(BOOKMARK);
    if (seen !== null && (session.bookmark === null || seen > session.bookmark)) session.bookmark = seen;
  },
};

const bearer: Middleware = {
  onRequest({ request }) {
    if (session.access !== null) request.headers.set("Authorization", `Bearer ${session.access}`);
    return request;
  },
};

// credentials: "include": the API is another origin, and its cookies (refresh, device) must go along.
export const client = createClient<paths>({ baseUrl: API, credentials: "include" });
client.use(bookmarks, bearer);

type PostPath = ClientPathsWithMethod<typeof client, "post">;
type JsonBody<P extends PostPath> = NonNullable<paths[P]["post"]["requestBody"]>["content"]["application/json"];

/**
 * POST with a JSON body. openapi-fetch infers the type of its options, which lets a field the
 * document does not have slip through (openapi-ts/openapi-typescript#1769); a parameter typed by
 * the path does not.
 */
export const post = <P extends PostPath>(path: P, body: JsonBody<P>, headers?: HeadersInit) =>
  client.POST(path, { body, headers } as never) as Promise<
    FetchResponse<paths[P]["post"], unknown, "application/json">
  >;

type Schemas = components["schemas"];

/**
 * POST /api/token/'s answer narrowed to a token pair: undefined when the account has a second factor
 * (the answer is then its challenge, `mfa_required`, and holds no token) or the login failed.
 */
export const tokenPairOf = (data: Schemas["TokenPair"] | Schemas["MfaChallenge"] | undefined) =>
  data !== undefined && "access" in data ? data : undefined;
