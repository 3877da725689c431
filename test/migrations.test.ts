import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const db = env.MIGRATIONS_DB;
/** The migrations up to and including the one numbered `number` ("0002"). */
const upTo = (number: string) => env.TEST_MIGRATIONS.filter((m) => m.name.slice(0, 4) <= number);

async function reset() {
  const tables = await db
    .prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
    .all<{ type: string; name: string }>();
  for (const { type, name } of tables.results) {
    if (type === "table" || type === "view") await db.prepare(`DROP ${type.toUpperCase()} IF EXISTS "${name}"`).run();
  }
}

const addUser = (username: string) =>
  db.prepare("INSERT INTO users (username, email, password, date_joined) VALUES (?, '', 'x', 0)").bind(username).run();

describe("migration 0002_username_key", () => {
  it("keys existing usernames case-insensitively", async () => {
    await reset();
    await applyD1Migrations(db, upTo("0001"));
    await addUser("Alice");
    await addUser("bob");
    await applyD1Migrations(db, upTo("0002"));
    const rows = await db.prepare("SELECT username, username_key FROM users ORDER BY id").all();
    expect(rows.results).toEqual([
      { username: "Alice", username_key: "alice" },
      { username: "bob", username_key: "bob" },
    ]);
  });

  it("refuses loudly, changing nothing, when two usernames differ only in case", async () => {
    await reset();
    await applyD1Migrations(db, upTo("0001"));
    await addUser("Alice");
    await addUser("alice");
    await expect(applyD1Migrations(db, upTo("0002"))).rejects.toThrow(
      /migration 0002_username_key refused: some usernames differ only in case/,
    );
    const columns = await db.prepare("SELECT name FROM pragma_table_info('users')").all<{ name: string }>();
    expect(columns.results.map((c) => c.name)).not.toContain("username_key");
  });
});

describe("migration 0004_unique_emails", () => {
  const addAccount = (username: string, email: string) =>
    db
      .prepare("INSERT INTO users (username, username_key, email, password, date_joined) VALUES (?, ?, ?, 'x', 0)")
      .bind(username, username.toLowerCase(), email)
      .run();

  it("lets any number of accounts have no email, then refuses a second account with one of them", async () => {
    await reset();
    await applyD1Migrations(db, upTo("0003"));
    await addAccount("a", "");
    await addAccount("b", "");
    await addAccount("c", "c@example.com");
    await applyD1Migrations(db, upTo("0004"));
    await expect(addAccount("d", "C@Example.COM")).rejects.toThrow(/UNIQUE constraint failed/);
  });

  it("refuses loudly, changing nothing, when two accounts share an email in any case", async () => {
    await reset();
    await applyD1Migrations(db, upTo("0003"));
    await addAccount("a", "Same@example.com");
    await addAccount("b", "same@EXAMPLE.com");
    await expect(applyD1Migrations(db, upTo("0004"))).rejects.toThrow(
      /migration 0004_unique_emails refused: some accounts share an email/,
    );
    const indexes = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all<{ name: string }>();
    expect(indexes.results.map((i) => i.name)).not.toContain("users_email_ci");
  });
});
