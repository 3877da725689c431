import { describe, expect, it } from "vitest";
import { passwordProblems } from "../../src/services/password-policy";
import { hashPassword, MAX_PBKDF2_ITERATIONS, verifyPassword } from "../../src/services/passwords";

// Computed with Python's hashlib.pbkdf2_hmac, exactly as Django's PBKDF2PasswordHasher does.
const DJANGO_HASH = "pbkdf2_sha256$100000$DjangoSaltValue1234567$iKoHMO+mrjxHyl6TVGS9YeZFjfqoAckrBrgVjLLojf0=";

describe("password hashing", () => {
  it("writes Django's format with 100,000 iterations and a fresh salt of 24 characters", async () => {
    const [a, b] = await Promise.all([hashPassword("same password"), hashPassword("same password")]);
    expect(a).toMatch(/^pbkdf2_sha256\$100000\$[A-Za-z0-9]{24}\$[A-Za-z0-9+/]{43}=$/);
    expect(a.split("$")[2]).not.toBe(b.split("$")[2]);
    expect(a.split("$")[3]).not.toBe(b.split("$")[3]);
  });

  it("verifies a hash made by Django, and rejects any other password", async () => {
    expect(await verifyPassword("pässwörd 42!", DJANGO_HASH)).toBe(true);
    expect(await verifyPassword("pässwörd 42", DJANGO_HASH)).toBe(false);
    expect(await verifyPassword(" pässwörd 42!", DJANGO_HASH)).toBe(false);
  });

  it("round-trips its own hashes byte for byte", async () => {
    const hash = await hashPassword("  spaced 🔑 password  ");
    expect(await verifyPassword("  spaced 🔑 password  ", hash)).toBe(true);
    expect(await verifyPassword("spaced 🔑 password", hash)).toBe(false);
  });

  it("refuses, without throwing, hashes it cannot check on Workers or cannot parse", async () => {
    const imported = DJANGO_HASH.replace("$100000$", "$600000$");
    expect(await verifyPassword("pässwörd 42!", imported)).toBe(false);
    expect(await verifyPassword("x", "bcrypt$$2b$12$abc")).toBe(false);
    expect(await verifyPassword("x", "pbkdf2_sha256$100000$salt$not base64!")).toBe(false);
  });

  it("runs under production's PBKDF2 cap: a derivation above 100,000 iterations fails (test/setup.ts)", async () => {
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("pw"), "PBKDF2", false, ["deriveBits"]);
    const derive = (iterations: number) =>
      crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(16), iterations }, key, 256);
    await expect(derive(MAX_PBKDF2_ITERATIONS)).resolves.toBeInstanceOf(ArrayBuffer);
    expect(() => derive(MAX_PBKDF2_ITERATIONS + 1)).toThrow(/iteration counts above 100000/);
  });
});

describe("password policy (Django's validators)", () => {
  it.each([
    ["short1!", "This password is too short. It must contain at least 8 characters."],
    ["password123", "This password is too common."],
    ["PassWord123", "This password is too common."],
    ["83920174659", "This password is entirely numeric."],
    ["xx-alice-xx-long", "The password is too similar to the username."],
  ])("refuses %j", (password, message) => {
    expect(passwordProblems(password, "alice")).toContain(message);
  });

  it("accepts long, unusual passwords with no composition rules", () => {
    expect(passwordProblems("correct horse battery staple", "alice")).toEqual([]);
    expect(passwordProblems("é".repeat(64), "alice")).toEqual([]);
  });
});
