import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import {
  currentKey,
  JWKS_MAX_AGE_SECONDS,
  type KeySet,
  type KeyState,
  MIN_HMAC_KEY_BYTES,
  type SigningAlgorithm,
  type SigningKey,
} from "../lib/key-set";
import { randomId } from "../lib/random-id";

// What `npm run keys` does to a key set, with no file or wrangler in it: Supabase's lifecycle of
// standby (next) → current → previously used (previous) → revoked (gone from the set).

/** A change that cannot be made as asked; the message says what to do instead. */
export class KeyRotationError extends Error {
  override name = "KeyRotationError";
}

/** The set after a change, and what happened to which key. */
export type KeyChange = {
  set: KeySet;
  /** Keys made current (the next key, or a fresh one when the set had no next). */
  promoted: SigningKey | null;
  /** Keys created. */
  added: SigningKey[];
  /** Keys removed, i.e. revoked: the tokens they signed stop verifying. */
  dropped: SigningKey[];
  /** True when the new current key was never published as next (see rotateKeys). */
  unpublished: boolean;
  /** When the promoted next key would have been old enough, if it was promoted before then (see nextKeyReadyAt). */
  early: Date | null;
};

/** Options of a rotation: the time it is made, and whether the next key may be promoted before its time. */
export type RotateOptions = { now?: Date; force?: boolean };

/**
 * A fresh key. Its kid: for ES256/EdDSA the RFC 7638 thumbprint of the public key (stable, and anyone
 * holding the JWKS can check it); for HS256 a random id, because a hash of the secret would be in the
 * header of every token and give an offline guesser something to test against.
 */
export async function generateKey(alg: SigningAlgorithm, state: KeyState, now = new Date()): Promise<SigningKey> {
  const created_at = now.toISOString();
  if (alg === "HS256") {
    const k = base64url.encode(crypto.getRandomValues(new Uint8Array(MIN_HMAC_KEY_BYTES)));
    return { kid: randomId(), alg, kty: "oct", k, use: "sig", state, created_at };
  }
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: jwk.kty!, crv: jwk.crv, x: jwk.x, y: jwk.y });
  if (alg === "ES256") {
    return { kid, alg, kty: "EC", crv: "P-256", x: jwk.x!, y: jwk.y!, d: jwk.d!, use: "sig", state, created_at };
  }
  return { kid, alg, kty: "OKP", crv: "Ed25519", x: jwk.x!, d: jwk.d!, use: "sig", state, created_at };
}

const inState = (key: SigningKey, state: KeyState): SigningKey => ({ ...key, state });
const nextKey = (set: KeySet) => set.keys.find((key) => key.state === "next");

/** A first set: a current key and a next one already published behind it. */
export async function initKeySet(alg: SigningAlgorithm, now = new Date()): Promise<KeySet> {
  return { keys: await Promise.all([generateKey(alg, "current", now), generateKey(alg, "next", now)]) };
}

/**
 * When the next key may become current: once it has been published for JWKS_MAX_AGE_SECONDS, so that
 * no verifier still holds a cached JWKS without it. Null when it may at once: no next key; a next key
 * made with the current one (init), which every JWKS holding the current key also holds; or a key made
 * before keys recorded their time, which is older than that record and taken as old enough.
 */
export function nextKeyReadyAt(set: KeySet): Date | null {
  const next = nextKey(set);
  if (next?.created_at === undefined) return null;
  const published = Date.parse(next.created_at);
  const current = currentKey(set).created_at;
  if (current !== undefined && published <= Date.parse(current)) return null;
  return new Date(published + JWKS_MAX_AGE_SECONDS * 1000);
}

/** The time `set`'s next key would be old enough, when promoting it at `now` is early; otherwise null. */
function promotedEarly(set: KeySet, now: Date): Date | null {
  const readyAt = nextKeyReadyAt(set);
  return readyAt !== null && readyAt > now ? readyAt : null;
}

function tooEarly(set: KeySet, readyAt: Date, now: Date) {
  const next = nextKey(set)!;
  const minutes = Math.ceil((readyAt.getTime() - now.getTime()) / 60_000);
  return new KeyRotationError(
    `The next key ${next.kid} was added at ${utc(new Date(next.created_at!))}, and a next key becomes current ` +
      `only once it has been published for ${JWKS_MAX_AGE_SECONDS / 60} minutes (verifiers cache ` +
      `/.well-known/jwks.json that long): rotate from ${utc(readyAt)} (in ${minutes} min), or now with --force ` +
      "(verifiers holding an older JWKS then refuse the new key's tokens until they fetch it again).",
  );
}

const utc = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * next → current, current → previous, the old previous keys dropped (revoked), and a fresh next of
 * `alg`. Nobody is logged out as long as no token signed by a dropped key is still alive: rotate no
 * more often than the longest token lifetime (docs/signing-keys.md, Cadence). A next key not yet old enough
 * (nextKeyReadyAt) is refused unless `force`d. A set without a next key gets a fresh current key that
 * verifiers caching the JWKS have not seen yet (`unpublished`).
 */
export async function rotateKeys(set: KeySet, alg: SigningAlgorithm, options: RotateOptions = {}): Promise<KeyChange> {
  const now = options.now ?? new Date();
  const early = promotedEarly(set, now);
  if (early && !options.force) throw tooEarly(set, early, now);
  const next = nextKey(set);
  const [promoted, fresh] = await Promise.all([
    next ? inState(next, "current") : generateKey(alg, "current", now),
    generateKey(alg, "next", now),
  ]);
  const previous = inState(currentKey(set), "previous");
  return {
    set: { keys: [promoted, fresh, previous] },
    promoted,
    added: next ? [fresh] : [promoted, fresh],
    dropped: set.keys.filter((key) => key.state === "previous"),
    unpublished: !next,
    early,
  };
}

/**
 * Removes one key: every token it signed is refused from now on. The current key goes only if a
 * next key can take its place; a fresh next of `alg` then stands behind the new current one. A next
 * key promoted so is not refused for its age (a leaked current key must go at once), only reported.
 */
export async function revokeKey(set: KeySet, kid: string, alg: SigningAlgorithm, now = new Date()): Promise<KeyChange> {
  const key = set.keys.find((candidate) => candidate.kid === kid);
  if (!key) {
    const kids = set.keys.map((candidate) => candidate.kid).join(", ");
    throw new KeyRotationError(`No key with kid "${kid}" in the set (its kids: ${kids}).`);
  }
  const rest = set.keys.filter((candidate) => candidate !== key);
  const change = { dropped: [key], unpublished: false, early: null };
  if (key.state !== "current") return { ...change, set: { keys: rest }, promoted: null, added: [] };

  const next = nextKey(set);
  if (!next) {
    throw new KeyRotationError(
      `"${kid}" is the current key and no next key can take its place: run \`npm run keys -- rotate\` ` +
        `first (the current key becomes previous), then \`npm run keys -- revoke ${kid}\`.`,
    );
  }
  const promoted = inState(next, "current");
  const fresh = await generateKey(alg, "next", now);
  const others = rest.filter((candidate) => candidate !== next);
  const early = promotedEarly(set, now);
  return { ...change, set: { keys: [promoted, fresh, ...others] }, promoted, added: [fresh], early };
}

/** What `npm run keys -- list` shows: no key material, public or private. */
export const describeKeys = (set: KeySet) => set.keys.map(({ kid, alg, state }) => ({ kid, alg, state }));
