import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import worker from "../../src/index";
import { randomIp } from "./unique";

/**
 * Bindings or vars to replace for one request (a failing D1, other rates, another key set…): the rest
 * are the real ones. A value may be one the Worker's Env type rules out (a malformed var, a secret
 * left unset): what a misconfigured deployment would run with.
 */
export type ReplacedBindings = { [name in keyof Env]?: unknown };

export type CallOptions = {
  token?: string;
  /** CF-Connecting-IP: an address of the request's own by default; null sends none (a request Cloudflare did not front). */
  ip?: string | null;
  headers?: Record<string, string>;
  bindings?: ReplacedBindings;
  /** "manual" to get a redirect back instead of following it. */
  redirect?: RequestInit["redirect"];
};

/**
 * A request to the real Worker (its default export) inside the Workers runtime. `path` is on
 * http://api.test unless it is a whole URL. A body is sent as JSON unless it is already a string or
 * bytes (then Content-Type still says JSON unless `headers` say otherwise), a stream or a form (whose
 * Content-Type is the caller's, or the form's own).
 */
export async function call(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<Response> {
  const ip = options.ip === undefined ? randomIp() : options.ip;
  const headers: Record<string, string> = { ...(ip === null ? {} : { "CF-Connecting-IP": ip }), ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let payload: BodyInit | undefined;
  if (body instanceof ReadableStream || body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    payload = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
    headers["Content-Type"] ??= "application/json";
  }
  const url = /^https?:\/\//.test(path) ? path : `http://api.test${path}`;
  const init: RequestInit = { method, headers, body: payload, redirect: options.redirect };
  if (!options.bindings) return exports.default.fetch(url, init);
  // As the runtime calls the Worker, with the env it would have if these bindings were configured.
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(url, init), { ...env, ...options.bindings } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export const get = (path: string, options?: CallOptions) => call("GET", path, undefined, options);
export const post = (path: string, body?: unknown, options?: CallOptions) => call("POST", path, body, options);

export const UNAUTHENTICATED = { detail: "Authentication credentials were not provided." };
export const FORBIDDEN = { detail: "You do not have permission to perform this action." };
