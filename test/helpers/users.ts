import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { type CallOptions, call, get, post } from "./http";
import { unique } from "./unique";

export const STRONG_PASSWORD = "correct horse battery staple";

export type TestUser = { id: number; username: string; password: string; access: string; refresh: string };

/**
 * Registers a fresh user through the API and returns its first token pair. `options` are the
 * request's (e.g. `bindings`: a Worker signing with another key set); the row is read from env.DB.
 */
export async function registerUser(fields: Record<string, unknown> = {}, options?: CallOptions): Promise<TestUser> {
  const username = (fields.username as string | undefined) ?? unique();
  const password = (fields.password as string | undefined) ?? STRONG_PASSWORD;
  const res = await post("/api/register/", { username, password, password_confirm: password, ...fields }, options);
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

/** Marks a user staff directly in D1 (as createsuperuser or Django admin would). */
export const makeStaff = (userId: number) =>
  env.DB.prepare("UPDATE users SET is_staff = 1 WHERE id = ?").bind(userId).run();

/** Makes a user a superuser (and staff) directly in D1, as createsuperuser would. */
export const makeSuperuser = (userId: number) =>
  env.DB.prepare("UPDATE users SET is_staff = 1, is_superuser = 1 WHERE id = ?").bind(userId).run();

/** A fresh user made staff. */
export async function staffUser(): Promise<TestUser> {
  const user = await registerUser();
  await makeStaff(user.id);
  return user;
}

/** A fresh user made a superuser (and staff). */
export async function superuser(): Promise<TestUser> {
  const user = await registerUser();
  await makeSuperuser(user.id);
  return user;
}

export const setActive = (userId: number, active: boolean) =>
  env.DB.prepare("UPDATE users SET is_active = ? WHERE id = ?")
    .bind(active ? 1 : 0, userId)
    .run();

/**
 * Gives a user `email`, verified, directly in D1: what following the mailed link does (tested through
 * the API in test/email-verification.test.ts), for tests that need an owned address.
 */
export const verifyEmailOf = (userId: number, email: string) =>
  env.DB.prepare("UPDATE users SET email = ?, email_verified = 1 WHERE id = ?").bind(email, userId).run();

/** GET /api/users/me/ with `access` as the Bearer token (none when undefined). */
export const me = (access: string | undefined, options: CallOptions = {}) =>
  get("/api/users/me/", { ...options, token: access });

/** A staff change to an account: PATCH /api/users/<id>/ as `caller`. */
export const patchUser = (caller: TestUser, target: { id: number }, body: unknown) =>
  call("PATCH", `/api/users/${target.id}/`, body, { token: caller.access });
