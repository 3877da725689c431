// What `npm run db:normalize-usernames` changes, as pure logic (tested in test/unit/): SQL has no NFKC,
// so migration 0002 keyed existing usernames with lower() alone. Imports only import-free files.
import { normalizeUsername, usernameKey } from "../src/services/usernames.ts";

export type UserRow = { id: number; username: string; username_key: string };
export type UsernameChange = { id: number; from: string; username: string; key: string };

/** The rows whose stored username or key is not what registration would store today. */
export function usernameChanges(rows: readonly UserRow[]): UsernameChange[] {
  return rows.flatMap((row) => {
    const username = normalizeUsername(row.username);
    const key = usernameKey(row.username);
    return username === row.username && key === row.username_key
      ? []
      : [{ id: row.id, from: row.username, username, key }];
  });
}
