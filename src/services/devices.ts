import type { Config } from "../lib/config";
import { randomId } from "../lib/random-id";
import { readOwnToken, signOwnToken } from "./own-tokens";

// OWASP's device cookies: after a successful login the client gets a signed token naming the account
// it logged into, by id (a username can change hands). Failed guesses are then counted per (account,
// device) for the clients that bring one, and per account for everyone else, so an attacker guessing
// from anywhere can exhaust only the budget of unknown clients — never that of the owner's known devices.

/** How long a device stays known without logging in again: a year (each login renews it). */
export const DEVICE_LIFETIME = 365 * 86_400;

/** A known device: the account it logged into, and its own id. */
export type Device = { userId: number; id: string };

/** A device token for the account `userId` logged into. */
export const issueDeviceToken = (config: Config, userId: number): Promise<string> =>
  signOwnToken(config, "device+jwt", { uid: String(userId), jti: randomId() }, DEVICE_LIFETIME);

/**
 * The device a token names if it is one of ours and unexpired; null for anything else (no cookie,
 * forged, malformed, another kind of token). Whose account it names is the caller's to compare.
 */
export async function deviceOf(config: Config, raw: string | undefined): Promise<Device | null> {
  const claims = await readOwnToken(config, "device+jwt", raw);
  const userId = Number(claims?.uid);
  if (!claims || !Number.isSafeInteger(userId) || typeof claims.jti !== "string") return null;
  return { userId, id: claims.jti };
}
