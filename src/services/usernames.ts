// Django's UsernameField normalises usernames with NFKC, so a fullwidth "ａｌｉｃｅ" is "alice". On top of
// that, one account per name whatever its case: uniqueness and login compare usernameKey.
// No imports: scripts/superuser-sql.ts loads this file in Node as it is.

/** The username as stored: NFKC, as Django's UsernameField.to_python writes it. */
export const normalizeUsername = (username: string) => username.normalize("NFKC");

/**
 * The username as uniqueness and login compare it. Lower, upper, then lower again approximates
 * Python's casefold() (ẞ → ß → SS → ss, ς → Σ → σ), which plain lower-casing would miss.
 */
export const usernameKey = (username: string) => normalizeUsername(username).toLowerCase().toUpperCase().toLowerCase();
