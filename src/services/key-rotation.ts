import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import {
  currentKey,
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
};

/**
 * A fresh key. Its kid: for ES256/EdDSA the RFC 7638 thumbprint of the public key (stable, and anyone
 * holding the JWKS can check it); for HS256 a random id, because a hash of the secret would be in the
 * header of every token and give an offline guesser something to test against.
 */
export async function generateKey(alg: SigningAlgorithm, state: KeyState): Promise<SigningKey> {
  if (alg === "HS256") {
    const k = base64url.encode(crypto.getRandomValues(new Uint8Array(MIN_HMAC_KEY_BYTES)));
    return { kid: randomId(), alg, kty: "oct", k, use: "sig", state };
  }
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: jwk.kty!, crv: jwk.crv, x: jwk.x, y: jwk.y });
  if (alg === "ES256") {
    return { kid, alg, kty: "EC", crv: "P-256", x: jwk.x!, y: jwk.y!, d: jwk.d!, use: "sig", state };
  }
  return { kid, alg, kty: "OKP", crv: "Ed25519", x: jwk.x!, d: jwk.d!, use: "sig", state };
}

const inState = (key: SigningKey, state: KeyState): SigningKey => ({ ...key, state });
const nextKey = (set: KeySet) => set.keys.find((key) => key.state === "next");

/** A first set: a current key and a next one already published behind it. */
export async function initKeySet(alg: SigningAlgorithm): Promise<KeySet> {
  return { keys: await Promise.all([generateKey(alg, "current"), generateKey(alg, "next")]) };
}

/**
 * next → current, current → previous, the old previous keys dropped (revoked), and a fresh next of
 * `alg`. Nobody is logged out as long as no token signed by a dropped key is still alive: rotate no
 * more often than the longest token lifetime (docs/signing-keys.md, Cadence). A set without a next key gets a
 * fresh current key that verifiers caching the JWKS have not seen yet (`unpublished`).
 */
export async function rotateKeys(set: KeySet, alg: SigningAlgorithm): Promise<KeyChange> {
  const next = nextKey(set);
  const [promoted, fresh] = await Promise.all([
    next ? inState(next, "current") : generateKey(alg, "current"),
    generateKey(alg, "next"),
  ]);
  const previous = inState(currentKey(set), "previous");
  return {
    set: { keys: [promoted, fresh, previous] },
    promoted,
    added: next ? [fresh] : [promoted, fresh],
    dropped: set.keys.filter((key) => key.state === "previous"),
    unpublished: !next,
  };
}

/**
 * Removes one key: every token it signed is refused from now on. The current key goes only if a
 * next key can take its place; a fresh next of `alg` then stands behind the new current one.
 */
export async function revokeKey(set: KeySet, kid: string, alg: SigningAlgorithm): Promise<KeyChange> {
  const key = set.keys.find((candidate) => candidate.kid === kid);
  if (!key) {
    const kids = set.keys.map((candidate) => candidate.kid).join(", ");
    throw new KeyRotationError(`No key with kid "${kid}" in the set (its kids: ${kids}).`);
  }
  const rest = set.keys.filter((candidate) => candidate !== key);
  const change = { dropped: [key], unpublished: false };
  if (key.state !== "current") return { ...change, set: { keys: rest }, promoted: null, added: [] };

  const next = nextKey(set);
  if (!next) {
    throw new KeyRotationError(
      `"${kid}" is the current key and no next key can take its place: run \`npm run keys -- rotate\` ` +
        `first (the current key becomes previous), then \`npm run keys -- revoke ${kid}\`.`,
    );
  }
  const promoted = inState(next, "current");
  const fresh = await generateKey(alg, "next");
  const others = rest.filter((candidate) => candidate !== next);
  return { ...change, set: { keys: [promoted, fresh, ...others] }, promoted, added: [fresh] };
}

/** What `npm run keys -- list` shows: no key material, public or private. */
export const describeKeys = (set: KeySet) => set.keys.map(({ kid, alg, state }) => ({ kid, alg, state }));
