import { base64url, importJWK, type JWSHeaderParameters } from "jose";
import { type Config, ConfigurationError } from "../lib/config";
import { KEY_SET_SETTING, publicJwk, type SigningAlgorithm, type SigningKey } from "../lib/key-set";
import { perObject } from "../lib/per-object";

export type ImportedKey = { kid: string; alg: SigningAlgorithm; key: CryptoKey };

export type KeyRing = {
  /** The current key, for signing. */
  signer: ImportedKey;
  /**
   * Every key of the set by exact kid. A next key verifies too: while a rotation rolls out, isolates
   * still holding the old set meet tokens that the new current key (their next) signed.
   */
  verifiers: ReadonlyMap<string, ImportedKey>;
  algorithms: SigningAlgorithm[];
};

// Header parameters that point at key material outside our own set (RFC 8725 §3.10): never followed, never accepted.
const FOREIGN_KEY_HEADERS = ["jku", "x5u", "jwk", "x5c"] as const;

function importKey(key: SigningKey, use: "sign" | "verify"): Promise<CryptoKey> {
  if (key.kty === "oct") {
    const secret = base64url.decode(key.k);
    return crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  }
  // Pinned to the key's own alg: importJWK makes a key that only that algorithm accepts.
  const jwk = use === "sign" ? { ...publicJwk(key), d: key.d } : publicJwk(key);
  return importJWK(jwk, key.alg) as Promise<CryptoKey>;
}

async function imported(key: SigningKey, use: "sign" | "verify"): Promise<ImportedKey> {
  try {
    return { kid: key.kid, alg: key.alg, key: await importKey(key, use) };
  } catch (e) {
    throw new ConfigurationError(
      `Invalid configuration: ${KEY_SET_SETTING} key "${key.kid}" (${key.alg}) cannot be imported ` +
        `(${(e as Error).message}): replace it, e.g. \`npm run keys -- rotate\` then \`npm run keys -- revoke ${key.kid}\``,
    );
  }
}

/** The key set as Web Crypto keys, imported once per isolate (the config lives as long as it). */
export const keyRing = perObject(async (config: Config): Promise<KeyRing> => {
  const { keys } = config.signingKeys;
  const current = keys.find((key) => key.state === "current")!;
  const [signer, ...verifiers] = await Promise.all([
    imported(current, "sign"),
    ...keys.map((key) => imported(key, "verify")),
  ]);
  return {
    signer: signer!,
    verifiers: new Map(verifiers.map((key) => [key.kid, key])),
    algorithms: [...new Set(keys.map((key) => key.alg))],
  };
});

/**
 * The key a token's header selects: its kid matched exactly in our own set, its alg the one that key
 * is pinned to. null when the header names no such key or carries key material of its own.
 */
export function keyFor(ring: KeyRing, header: JWSHeaderParameters): ImportedKey | null {
  if (FOREIGN_KEY_HEADERS.some((name) => Object.hasOwn(header, name))) return null;
  const key = typeof header.kid === "string" ? ring.verifiers.get(header.kid) : undefined;
  return key && header.alg === key.alg ? key : null;
}
