import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import worker from "../src/index";

let counter = 0;
/** A name no other test uses (storage is shared by the tests of one file). */
export const unique = (prefix = "user") => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** A client address of its own, so one test's anonymous throttling never touches another's. */
export const randomIp = () =>
  `10.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 254) + 1}`;

export type CallOptions = {
  token?: string;
  ip?: string;
  headers?: Record<string, string>;
  /** Bindings or vars to replace for this request (a failing D1, other rates…): the rest are the real ones. */
  bindings?: Partial<Env>;
};

/** A request to the real Worker (its default export) inside the Workers runtime. */
export async function call(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { "CF-Connecting-IP": options.ip ?? randomIp(), ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let payload: BodyInit | undefined;
  if (body !== undefined) {
    payload = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
    headers["Content-Type"] ??= "application/json";
  }
  const url = `http://api.test${path}`;
  if (!options.bindings) return exports.default.fetch(url, { method, headers, body: payload });
  // As the runtime calls the Worker, with the env it would have if these bindings were configured.
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(url, { method, headers, body: payload }), { ...env, ...options.bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export const get = (path: string, options?: CallOptions) => call("GET", path, undefined, options);
export const post = (path: string, body?: unknown, options?: CallOptions) => call("POST", path, body, options);

export const STRONG_PASSWORD = "correct horse battery staple";

export type TestUser = { id: number; username: string; password: string; access: string; refresh: string };

/** Registers a fresh user through the API and returns its first token pair. */
export async function registerUser(fields: Record<string, unknown> = {}): Promise<TestUser> {
  const username = (fields.username as string | undefined) ?? unique();
  const password = (fields.password as string | undefined) ?? STRONG_PASSWORD;
  const res = await post("/api/register/", { username, password, password_confirm: password, ...fields });
  expect(res.status, await res.clone().text()).toBe(201);
  const body = (await res.json()) as { access: string; refresh: string };
  const row = await env.DB.prepare("SELECT id FROM users WHERE username = ?").bind(username).first<{ id: number }>();
  return { id: row!.id, username, password, access: body.access, refresh: body.refresh };
}

/** Logs in through the API: a new session (token family) each time. */
export async function login(username: string, password: string) {
  const res = await post("/api/token/", { username, password });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { access: string; refresh: string };
}

/** A row straight from D1, for checking what a request did (or did not) write. */
export const rowOf = (table: string, id: number) =>
  env.DB.prepare(`SELECT * FROM ${table} WHERE id = ?`).bind(id).first<Record<string, unknown>>();

export const countRows = async (table: string) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;

/** Marks a user staff directly in D1 (as createsuperuser or Django admin would). */
export const makeStaff = (userId: number) =>
  env.DB.prepare("UPDATE users SET is_staff = 1 WHERE id = ?").bind(userId).run();

/** Makes a user a superuser (and staff) directly in D1, as createsuperuser would. */
export const makeSuperuser = (userId: number) =>
  env.DB.prepare("UPDATE users SET is_staff = 1, is_superuser = 1 WHERE id = ?").bind(userId).run();

export const setActive = (userId: number, active: boolean) =>
  env.DB.prepare("UPDATE users SET is_active = ? WHERE id = ?").bind(active ? 1 : 0, userId).run();

/** The claims of a JWT, unverified: for asserting what the API put in it. */
export function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split(".")[1]!;
  return JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/")));
}

export const UNAUTHENTICATED = { detail: "Authentication credentials were not provided." };
export const FORBIDDEN = { detail: "You do not have permission to perform this action." };
