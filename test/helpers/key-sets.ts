import { env } from "cloudflare:workers";
import { base64url, importJWK, type JWTHeaderParameters, SignJWT } from "jose";
import {
  currentKey,
  JWKS_MAX_AGE_SECONDS,
  type KeySet,
  parseKeySet,
  publicJwk,
  type SigningAlgorithm,
  type SigningKey,
} from "../../src/lib/key-set";
import { rotateKeys } from "../../src/services/key-rotation";
import { call } from "./http";
import { claimsOf } from "./tokens";
import { me, registerUser } from "./users";

/** The tests' own key set (test/vitest.config.ts): one current HS256 key. */
export const testKeySet = (): KeySet => parseKeySet(env.JWT_SIGNING_KEYS);

export const keyOf = (set: KeySet, state: SigningKey["state"]) => set.keys.find((key) => key.state === state)!;

/** `npm run keys -- rotate` once the next key may sign: as long after now as verifiers cache the JWKS. */
export const rotateWhenDue = (set: KeySet, alg: SigningAlgorithm) =>
  rotateKeys(set, alg, { now: new Date(Date.now() + JWKS_MAX_AGE_SECONDS * 1000) });

/** Bindings that sign with `set`, JWT_ALGORITHM following its current key unless `vars` say otherwise. */
export const envWith = (set: KeySet, vars: Record<string, string | undefined> = {}): Env =>
  ({ ...env, JWT_SIGNING_KEYS: JSON.stringify(set), JWT_ALGORITHM: currentKey(set).alg, ...vars }) as unknown as Env;

/**
 * A token signed with `key`'s own secret or private key, under its kid and alg unless `header` says
 * otherwise (header members set to undefined are left out).
 */
export async function signWith(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const secret =
    key.kty === "oct" ? base64url.decode(key.k) : await importJWK({ ...publicJwk(key), d: key.d }, key.alg);
  const protectedHeader = Object.fromEntries(
    Object.entries({ alg: key.alg, kid: key.kid, typ: "JWT", ...header }).filter(([, v]) => v !== undefined),
  ) as JWTHeaderParameters;
  return new SignJWT(claims).setProtectedHeader(protectedHeader).sign(secret);
}

/** A token's claims, re-signed by `key`: a token that key would have issued. */
export const resign = (token: string, key: SigningKey, header: Record<string, unknown> = {}) =>
  signWith(key, claimsOf(token), header);

/** The real Worker, called with `bindings` in place of the configured ones (test/helpers/http.ts's call). */
export function workerWith(bindings: Env) {
  const callWith = (method: string, path: string, body?: unknown, token?: string) =>
    call(method, path, body, { token, bindings });
  return {
    call: callWith,
    /** A new account and its first token pair. */
    register: () => registerUser({}, { bindings }),
    me: (access: string) => me(access, { bindings }),
    refresh: (refresh: string) => callWith("POST", "/api/token/refresh/", { refresh }),
    verify: (token: string) => callWith("POST", "/api/token/verify/", { token }),
  };
}
