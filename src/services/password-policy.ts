import { COMMON_PASSWORDS } from "./common-passwords";

export const MIN_PASSWORD_LENGTH = 8;
/** Long enough for any passphrase, short enough that hashing it is never a denial of service. */
export const MAX_PASSWORD_LENGTH = 4096;

/**
 * Django's AUTH_PASSWORD_VALIDATORS (minimum length, common, entirely numeric, similar to the
 * username), with Django's messages. Returns the problems; an empty list means acceptable.
 */
export function passwordProblems(password: string, username: string): string[] {
  const problems: string[] = [];
  const lowered = password.toLowerCase();
  if (username.length >= 3 && lowered.includes(username.toLowerCase())) {
    problems.push("The password is too similar to the username.");
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    problems.push(`This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (COMMON_PASSWORDS.has(lowered.trim())) problems.push("This password is too common.");
  if (/^\d+$/.test(password)) problems.push("This password is entirely numeric.");
  return problems;
}
