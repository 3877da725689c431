// Bulk data for the scaling row, written straight into D1 through its binding: 100,000 tasks through
// the API would take longer than the whole benchmark may.
export const SCALE_USERS = 10_000;
export const SCALE_TASKS_PER_USER = 10;

// A recursive CTE generates each batch inside SQLite: one statement per 10,000 rows, no bound
// parameter per row (D1 allows 100 per statement).
const numbers = (count) => `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${count - 1})`;

/** SCALE_USERS other users with SCALE_TASKS_PER_USER live tasks each. */
export async function seedOtherUsersTasks(db) {
  const now = Date.now();
  // Never logged in: "!" is Django's unusable password.
  await db
    .prepare(
      `${numbers(SCALE_USERS)} INSERT INTO users (username, username_key, password, date_joined) SELECT 'scale-' || i, 'scale-' || i, '!', ?1 FROM n`,
    )
    .bind(now)
    .run();
  const { first } = await db.prepare("SELECT min(id) AS first FROM users WHERE username = 'scale-0'").first();
  // One task per user per batch, so the tasks of a user are spread over the table as in real life.
  for (let batch = 0; batch < SCALE_TASKS_PER_USER; batch++) {
    await db
      .prepare(
        `${numbers(SCALE_USERS)} INSERT INTO tasks (title, "desc", completed, owner_id, created_at, updated_at)
         SELECT 'scale task ' || ?1, 'seeded in bulk', 0, ?2 + i, ?3, ?3 FROM n`,
      )
      .bind(batch, first, now + batch)
      .run();
  }
}
