// An authenticator app in the page: RFC 6238's TOTP (HMAC-SHA-1, 6 digits, 30-second steps) on the
// browser's Web Crypto — written apart from the API's library (otpauth), so that the codes agreeing
// says something about both.

export const PERIOD_MS = 30_000;

/** The time step a moment (ms) falls in. */
export const stepAt = (at: number) => Math.floor(at / PERIOD_MS);

/** RFC 4648's Base32, as the secret of an otpauth URI is written (no padding, any case). */
function base32Bytes(text: string): Uint8Array<ArrayBuffer> {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text.toUpperCase().replace(/=+$/, "")) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not Base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(bytes);
}

/** The code of `secret` (Base32) for time step `step` (RFC 4226's HOTP of the step, dynamically truncated). */
export async function totpCode(secret: string, step: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", base32Bytes(secret), { name: "HMAC", hash: "SHA-1" }, false, [
    "sign",
  ]);
  const counter = new DataView(new ArrayBuffer(8));
  counter.setBigUint64(0, BigInt(step));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, counter.buffer));
  const offset = mac[mac.length - 1]! & 0x0f;
  const number = new DataView(mac.buffer).getUint32(offset) & 0x7fffffff;
  return String(number % 1_000_000).padStart(6, "0");
}
