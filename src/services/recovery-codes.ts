import type { Config } from "../lib/config";
import { serverKeys } from "./server-keys";

// Recovery codes (which Supabase lacks): ten single-use codes shown once, at enrolment or regeneration,
// each 60 random bits as three groups of four (`k3m9-x2pq-7hfd`), stored only as an HMAC under a key
// derived from SECRET_KEY, so a copy of the table alone cannot even test a guess.

export const RECOVERY_CODE_COUNT = 10;

// Crockford's Base32, lower-cased: no i, l, o or u, so nothing is misread when typed from paper.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const GROUPS = 3;
const GROUP_LENGTH = 4;

function newCode(): string {
  // 32 symbols divide 256: every byte maps to one with equal chance.
  const symbols = [...crypto.getRandomValues(new Uint8Array(GROUPS * GROUP_LENGTH))].map((b) => ALPHABET[b % 32]);
  return Array.from({ length: GROUPS }, (_, i) =>
    symbols.slice(i * GROUP_LENGTH, (i + 1) * GROUP_LENGTH).join(""),
  ).join("-");
}

export const newRecoveryCodes = () => Array.from({ length: RECOVERY_CODE_COUNT }, newCode);

/**
 * A code as typed, in the form its HMAC was taken of: spaces and hyphens dropped, lower case, and
 * Crockford's look-alikes read as what they look like (o → 0, i and l → 1). Null if it cannot be one.
 */
export function normalizeRecoveryCode(typed: string): string | null {
  const code = typed.toLowerCase().replace(/[\s-]/g, "").replace(/o/g, "0").replace(/[il]/g, "1");
  return code.length === GROUPS * GROUP_LENGTH && [...code].every((ch) => ALPHABET.includes(ch)) ? code : null;
}

/** How a recovery code is stored: HMAC-SHA-256 of its normal form, hex. */
export async function recoveryCodeHash(config: Config, code: string): Promise<string> {
  const { recoveryCodes } = await serverKeys(config);
  const mac = await crypto.subtle.sign(
    "HMAC",
    recoveryCodes,
    new TextEncoder().encode(normalizeRecoveryCode(code) ?? code),
  );
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
