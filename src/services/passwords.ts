// Django's PBKDF2PasswordHasher format, so hashes move between Django and this API unchanged:
//   pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte derived key>

/** Production Workers refuse PBKDF2 above 100,000 iterations (local workerd does not). */
export const MAX_PBKDF2_ITERATIONS = 100_000;
export const PASSWORD_ITERATIONS = MAX_PBKDF2_ITERATIONS;
const ALGORITHM = "pbkdf2_sha256";
const SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SALT_LENGTH = 24; // ≈143 bits from a CSPRNG, more than Django's 22 characters

const encoder = new TextEncoder();

function randomSalt(): string {
  // 256 % 62 != 0, so reject the top of the byte range to keep every character equally likely.
  const limit = 256 - (256 % SALT_CHARS.length);
  let salt = "";
  while (salt.length < SALT_LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(SALT_LENGTH * 2))) {
      if (byte < limit && salt.length < SALT_LENGTH) salt += SALT_CHARS[byte % SALT_CHARS.length];
    }
  }
  return salt;
}

async function derive(password: string, salt: string, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: encoder.encode(salt), iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

export async function hashPassword(password: string, salt = randomSalt()): Promise<string> {
  const hash = await derive(password, salt, PASSWORD_ITERATIONS);
  return `${ALGORITHM}$${PASSWORD_ITERATIONS}$${salt}$${toBase64(hash)}`;
}

/** Compares in time independent of where the first differing byte is. */
function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [algorithm, iterationsText, salt, hash] = encoded.split("$");
  const iterations = Number(iterationsText);
  const expected = hash === undefined ? null : fromBase64(hash);
  if (algorithm !== ALGORITHM || salt === undefined || expected === null || !Number.isInteger(iterations)) {
    await burnOneDerivation(password);
    return false;
  }
  if (iterations > MAX_PBKDF2_ITERATIONS) {
    // A hash imported from Django 4.2+ (600k+) cannot be checked on Workers: the user must reset it.
    console.warn(`password hash with ${iterations} iterations cannot be verified on Workers`);
    await burnOneDerivation(password);
    return false;
  }
  return timingSafeEqual(await derive(password, salt, iterations), expected);
}

// A fixed salt: only the time this takes matters, never its result.
const DUMMY_SALT = "timingequalisationsalt00";

/**
 * Spends the same work as a real check, for logins whose user does not exist or cannot be
 * checked, so response time does not reveal which usernames exist.
 */
export async function burnOneDerivation(password: string): Promise<void> {
  await derive(password, DUMMY_SALT, PASSWORD_ITERATIONS);
}
