import { and, eq, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { batchIfStill, decisionChanged } from "../db/decision-guard";
import { type User, users } from "../db/schema";
import type { Config } from "../lib/config";
import { insertSession, type NewSession, recordLogin, sessionTokens } from "./sessions";
import type { TokenPair } from "./tokens";

// A login decides near the user (a replica: the account, its password, its second factor) and writes
// on the primary once: the session, last_login, and what it spent (a challenge, a code), in one batch
// that first re-checks, on the primary, what the decision rested on. A stale replica can therefore
// never let a changed password, a deactivated account or a newly guarded one in.

/** What a login read of the account, as a condition on its row: the hash it verified, active, MFA as found. */
const asRead = (user: User): SQL =>
  and(eq(users.password, user.password), eq(users.isActive, true), eq(users.mfaEnabled, user.mfaEnabled))!;

/**
 * Starts a session for `user` in one batch — one round trip to the primary — after `spend` (the
 * statements that spend what the login used). Null when the primary no longer has the account as the
 * login read it: then nothing at all was written.
 */
export async function startSession(
  db: Database,
  config: Config,
  user: User,
  session: NewSession,
  spend: BatchItem<"sqlite">[] = [],
): Promise<TokenPair | null> {
  const batch = batchIfStill(db, user.id, asRead(user), [
    insertSession(db, session, user.id),
    recordLogin(db, user.id, session.createdAt),
    ...spend,
  ]);
  // The tokens are signed while the batch travels; they are thrown away if it is refused.
  const [written, tokens] = await Promise.all([
    batch.then(
      () => true,
      (e: unknown) => {
        if (decisionChanged(e)) return false;
        throw e;
      },
    ),
    sessionTokens(config, user.id, session),
  ]);
  return written ? tokens : null;
}
