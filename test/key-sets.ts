import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { base64url, importJWK, type JWTHeaderParameters, SignJWT } from "jose";
import { expect } from "vitest";
import worker from "../src/index";
import { currentKey, type KeySet, parseKeySet, publicJwk, type SigningKey } from "../src/lib/key-set";
import { claimsOf, randomIp, STRONG_PASSWORD, unique } from "./helpers";

/** The tests' own key set (test/vitest.config.ts): one current HS256 key. */
export const testKeySet = (): KeySet => parseKeySet(env.JWT_SIGNING_KEYS);

export const keyOf = (set: KeySet, state: SigningKey["state"]) => set.keys.find((key) => key.state === state)!;

/** Bindings that sign with `set`, JWT_ALGORITHM following its current key unless `vars` say otherwise. */
export const envWith = (set: KeySet, vars: Record<string, string | undefined> = {}): Env =>
  ({ ...env, JWT_SIGNING_KEYS: JSON.stringify(set), JWT_ALGORITHM: currentKey(set).alg, ...vars }) as unknown as Env;

export const b64url = (value: unknown) => base64url.encode(JSON.stringify(value));

/** The protected header of a JWT, unverified. */
export const headerOf = (token: string) => JSON.parse(new TextDecoder().decode(base64url.decode(token.split(".")[0]!)));

/**
 * A token signed with `key`'s own secret or private key, under its kid and alg unless `header` says
 * otherwise (header members set to undefined are left out).
 */
export async function signWith(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const secret = key.kty === "oct" ? base64url.decode(key.k) : await importJWK({ ...publicJwk(key), d: key.d }, key.alg);
  const protectedHeader = Object.fromEntries(
    Object.entries({ alg: key.alg, kid: key.kid, typ: "JWT", ...header }).filter(([, v]) => v !== undefined),
  ) as JWTHeaderParameters;
  return new SignJWT(claims).setProtectedHeader(protectedHeader).sign(secret);
}

/** A token's claims, re-signed by `key`: a token that key would have issued. */
export const resign = (token: string, key: SigningKey, header: Record<string, unknown> = {}) =>
  signWith(key, claimsOf(token), header);

/** The real Worker, called with replaced bindings (as the runtime would call it). */
export function workerWith(bindings: Env) {
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const headers: Record<string, string> = { "CF-Connecting-IP": randomIp() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    const ctx = createExecutionContext();
    const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    const res = await worker.fetch(new Request(`http://api.test${path}`, init), bindings, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
  return {
    call,
    /** A new account and its first token pair. */
    async register() {
      const username = unique();
      const body = { username, password: STRONG_PASSWORD, password_confirm: STRONG_PASSWORD };
      const res = await call("POST", "/api/register/", body);
      expect(res.status, await res.clone().text()).toBe(201);
      return (await res.json()) as { access: string; refresh: string };
    },
    me: (access: string) => call("GET", "/api/users/me/", undefined, access),
    refresh: (refresh: string) => call("POST", "/api/token/refresh/", { refresh }),
    verify: (token: string) => call("POST", "/api/token/verify/", { token }),
  };
}

/** simplejwt's body for an access token refused by Bearer authentication. */
export async function expectRefusedAccess(res: Response, message = "Token is invalid") {
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({
    detail: "Given token not valid for any token type",
    code: "token_not_valid",
    messages: [{ token_class: "AccessToken", token_type: "access", message }],
  });
}

/** simplejwt's body for a token refused by a token view (refresh, verify, blacklist). */
export async function expectRefusedToken(res: Response, message = "Token is invalid") {
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({ detail: message, code: "token_not_valid" });
}
