import { base64url } from "jose";
import { Secret, TOTP } from "otpauth";
import type { Config } from "../lib/config";
import { serverKeys } from "./server-keys";

// TOTP (RFC 6238) as authenticator apps take it: HMAC-SHA-1, 6 digits, 30-second steps (otpauth).
// The secret is 20 random bytes (RFC 4226 §4 R6 recommends 160 bits), kept encrypted at rest.

const DIGITS = 6;
const PERIOD_SECONDS = 30;
/** One step either side of now is accepted (RFC 6238 §5.2: at most one step of delay). */
const WINDOW = 1;
const SECRET_BYTES = 20;

/** A fresh secret, as Base32 (what apps and the otpauth URI take). */
export const newTotpSecret = () => new Secret({ size: SECRET_BYTES }).base32;

/** The key URI an authenticator app scans: `otpauth://totp/<issuer>:<account>?secret=…&issuer=…`. */
export const otpauthUri = (secret: string, issuer: string, account: string) =>
  new TOTP({
    issuer,
    label: account,
    secret: Secret.fromBase32(secret),
    digits: DIGITS,
    period: PERIOD_SECONDS,
  }).toString();

/** The time step a moment (ms) falls in. */
export const timeStep = (at: number) => Math.floor(at / 1000 / PERIOD_SECONDS);

/**
 * The step whose code `code` is, within one step of `at` (ms); null when it is none of them. Whether
 * that step was already used is the caller's to decide (RFC 6238 §5.2: a code works once).
 */
export function matchingStep(secret: string, code: string, at = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(secret),
    digits: DIGITS,
    period: PERIOD_SECONDS,
    timestamp: at,
    window: WINDOW,
  });
  return delta === null ? null : timeStep(at) + delta;
}

const IV_BYTES = 12;
const encoder = new TextEncoder();

/** The secret as stored: AES-256-GCM under a key derived from SECRET_KEY, `<iv>.<ciphertext>` in base64url. */
export async function sealSecret(config: Config, secret: string): Promise<string> {
  const { totpSecrets } = await serverKeys(config);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, totpSecrets, encoder.encode(secret));
  return `${base64url.encode(iv)}.${base64url.encode(new Uint8Array(sealed))}`;
}

/** The stored secret opened; throws if it was not sealed under this SECRET_KEY. */
export async function openSecret(config: Config, sealed: string): Promise<string> {
  const { totpSecrets } = await serverKeys(config);
  const [iv, data] = sealed.split(".").map((part) => base64url.decode(part));
  const opened = await crypto.subtle.decrypt({ name: "AES-GCM", iv: iv! }, totpSecrets, data!);
  return new TextDecoder().decode(opened);
}
