import type { Config } from "../lib/config";
import { randomId } from "../lib/random-id";
import { readOwnToken, signOwnToken } from "./own-tokens";

// The ephemeral token of a login that needs a second factor (dj-rest-auth's `ephemeral_token`): it
// says whose password was just checked, lives five minutes, works once (spent_challenges), and is
// bound to the client that got it: it holds the hash of a nonce that client keeps as an HttpOnly
// cookie, so the token alone — copied from a log or a page — answers nothing.

export const CHALLENGE_LIFETIME = 300;

const sha256 = async (text: string) => {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
};

/** A short stamp of the password hash: a challenge dies when the password changes. */
const passwordStamp = async (passwordHash: string) => (await sha256(`password ${passwordHash}`)).slice(0, 32);

export type Challenge = { userId: number; jti: string; expiresAt: Date; passwordStamp: string };

/** A challenge for `userId`, whose password hash is `passwordHash`: the token, and the nonce its client keeps. */
export async function issueChallenge(config: Config, userId: number, passwordHash: string) {
  const nonce = randomId();
  const claims = {
    uid: String(userId),
    jti: randomId(),
    bind: await sha256(nonce),
    pwd: await passwordStamp(passwordHash),
  };
  return { token: await signOwnToken(config, "mfa-challenge+jwt", claims, CHALLENGE_LIFETIME), nonce };
}

/** The challenge a token states, if it is ours, unexpired and bound to `nonce`; null otherwise. */
export async function readChallenge(
  config: Config,
  token: string,
  nonce: string | undefined,
): Promise<Challenge | null> {
  const claims = await readOwnToken(config, "mfa-challenge+jwt", token);
  if (!claims || nonce === undefined || claims.bind !== (await sha256(nonce))) return null;
  const userId = Number(claims.uid);
  if (!Number.isSafeInteger(userId) || typeof claims.jti !== "string" || typeof claims.pwd !== "string") return null;
  return { userId, jti: claims.jti, expiresAt: new Date((claims.exp as number) * 1000), passwordStamp: claims.pwd };
}

/** Whether `passwordHash` is still the one a challenge was issued for. */
export const samePassword = async (challenge: Challenge, passwordHash: string) =>
  challenge.passwordStamp === (await passwordStamp(passwordHash));
