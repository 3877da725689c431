import { nowSeconds } from "../lib/clock";
import type { Config } from "../lib/config";
import { randomId } from "../lib/random-id";
import { signClaims, TokenError, verifiedClaims } from "./tokens";

// OWASP's device cookies: after a successful login the client gets a signed token naming the account
// it logged into. Failed logins are then counted per (account, device) for the clients that bring one,
// and per account for everyone else, so an attacker guessing from anywhere can exhaust only the
// budget of unknown clients — never that of the owner's known devices.

/** How long a device stays known without logging in again: a year (each login renews it). */
export const DEVICE_LIFETIME = 365 * 86_400;

/** A device token for the account `usernameKey` logged into: a JWT of our key set, token_type "device". */
export function issueDeviceToken(config: Config, usernameKey: string): Promise<string> {
  const iat = nowSeconds();
  return signClaims(config, {
    token_type: "device",
    exp: iat + DEVICE_LIFETIME,
    iat,
    jti: randomId(),
    sub: usernameKey,
  });
}

/**
 * The device a token names if it is ours, unexpired, a device token, and issued for this account;
 * null for anything else (no cookie, another account's, forged, malformed): an unknown client.
 */
export async function knownDevice(
  config: Config,
  raw: string | undefined,
  usernameKey: string,
): Promise<string | null> {
  if (!raw) return null;
  try {
    const claims = await verifiedClaims(config, raw);
    const ours = claims.token_type === "device" && claims.sub === usernameKey && typeof claims.jti === "string";
    return ours ? (claims.jti as string) : null;
  } catch (e) {
    if (e instanceof TokenError) return null;
    throw e;
  }
}
