import type { Config } from "../lib/config";
import { perObject } from "../lib/per-object";

// The server's own keys, each derived from SECRET_KEY for one purpose alone (HKDF-SHA-256, the purpose
// as `info`): a key that signs device tokens can never open a TOTP secret, and none of them is ever
// published (unlike the key set's public halves, /.well-known/jwks.json).

export type ServerKeys = {
  /** AES-GCM: TOTP secrets at rest. */
  totpSecrets: CryptoKey;
  /** HMAC-SHA-256: tokens only this server issues and reads (device tokens, MFA challenges). */
  ownTokens: CryptoKey;
  /** HMAC-SHA-256: how recovery codes are stored (a copy of the table alone cannot test guesses). */
  recoveryCodes: CryptoKey;
};

const encoder = new TextEncoder();

/** Derived once per isolate (the config lives as long as it). */
export const serverKeys = perObject(async (config: Config): Promise<ServerKeys> => {
  const root = await crypto.subtle.importKey("raw", config.secretKey, "HKDF", false, ["deriveKey"]);
  const derive = (purpose: string, algorithm: SubtleCryptoImportKeyAlgorithm, usages: string[]) =>
    crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: encoder.encode(`edge-drf-api ${purpose}`) },
      root,
      algorithm,
      false,
      usages,
    );
  const hmac = { name: "HMAC", hash: "SHA-256", length: 256 };
  const [totpSecrets, ownTokens, recoveryCodes] = await Promise.all([
    derive("totp secrets", { name: "AES-GCM", length: 256 }, ["encrypt", "decrypt"]),
    derive("own tokens", hmac, ["sign", "verify"]),
    derive("recovery codes", hmac, ["sign"]),
  ]);
  return { totpSecrets, ownTokens, recoveryCodes };
});
