import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import { PURGE_BATCH } from "../src/services/purge";
import { post, registerUser, rowOf, settled } from "./helpers";
import { freezeClock } from "./helpers/clock";
import { recordingD1 } from "./helpers/d1-recorder";

const DAY = 86_400_000;

/** Runs the Worker's scheduled handler as the Cron Trigger would, `daysLater` days from now. */
async function runPurge(daysLater = 0, bindings: Partial<Env> = {}) {
  const clock = freezeClock(Date.now() + daysLater * DAY);
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  const controller = createScheduledController({ cron: "17 3 * * *" });
  await worker.scheduled(controller, { ...env, ...bindings });
  clock.restore();
  return JSON.parse(log.mock.calls.at(-1)![0] as string) as {
    event: string;
    sessions: number;
    tasks: number;
    tokens: number;
  };
}

const sessionIds = async (userId: number) =>
  (await env.DB.prepare("SELECT id FROM sessions WHERE user_id = ?").bind(userId).all<{ id: string }>()).results.map(
    (r) => r.id,
  );

describe("the scheduled purge", () => {
  it("deletes sessions ended more than a day ago, and keeps live ones and the day's history", async () => {
    const user = await registerUser();
    const [live] = await sessionIds(user.id);
    const loggedOut = await registerUser();
    expect((await post("/api/token/blacklist/", { refresh: loggedOut.refresh })).status).toBe(200);
    const [ended] = await sessionIds(loggedOut.id);

    await runPurge(0);
    // Ended just now: kept for the day of history.
    expect(await rowOf("sessions", ended!)).toMatchObject({
      user_id: loggedOut.id,
      revoked_at: expect.any(Number),
    });
    expect(await sessionIds(loggedOut.id)).toEqual([ended]);

    const report = await runPurge(1.01);
    expect(report.event).toBe("purge");
    expect(report.sessions).toBeGreaterThanOrEqual(1);
    expect(await sessionIds(loggedOut.id)).toEqual([]);
    expect(await sessionIds(user.id)).toEqual([live]);
  });

  it("deletes mailed tokens used or expired more than a day ago, and keeps usable ones", async () => {
    const tokens = (userId: number) =>
      env.DB.prepare(
        "SELECT purpose, used_at IS NOT NULL AS used FROM account_tokens WHERE user_id = ? ORDER BY created_at",
      )
        .bind(userId)
        .all<{ purpose: string; used: number }>()
        .then((r) => r.results);
    const user = await registerUser();
    const email = `${user.username}@example.com`;
    await env.DB.prepare("UPDATE users SET email = ?, email_verified = 1 WHERE id = ?").bind(email, user.id).run();
    expect((await settled("POST", "/api/password/reset/", { email })).status).toBe(200);
    const fresh = await tokens(user.id);
    expect(fresh).toEqual([{ purpose: "password_reset", used: 0 }]);

    const report = await runPurge(0);
    expect(report.tokens).toBe(0);
    expect(await tokens(user.id)).toEqual(fresh);
    // The reset link expires after an hour; a day after that it goes.
    await runPurge(1.1);
    expect(await tokens(user.id)).toEqual([]);
  });

  it("deletes sessions expired more than a day ago (30 days after login)", async () => {
    const user = await registerUser();
    await runPurge(30.5);
    expect(await sessionIds(user.id)).toHaveLength(1);
    await runPurge(31.1);
    expect(await sessionIds(user.id)).toEqual([]);
  });

  it("deletes trashed tasks after TRASH_RETENTION_DAYS, and never a live one", async () => {
    const user = await registerUser();
    const create = async (title: string) =>
      ((await (await post("/api/tasks/", { title }, { token: user.access })).json()) as { id: number }).id;
    const [trashed, live] = [await create("old"), await create("live")];
    await env.DB.prepare("UPDATE tasks SET deleted_at = ? WHERE id = ?").bind(Date.now(), trashed).run();

    await runPurge(29.9);
    expect(await rowOf("tasks", trashed)).not.toBeNull();
    await runPurge(30.1);
    expect(await rowOf("tasks", trashed)).toBeNull();
    expect(await rowOf("tasks", live)).not.toBeNull();
  });

  it("works in bounded batches: a backlog larger than one batch is deleted in full", async () => {
    const { id: userId } = await registerUser();
    const old = Date.now() - 40 * DAY;
    const rows = Array.from({ length: PURGE_BATCH + 20 }, (_, i) =>
      env.DB.prepare(
        "INSERT INTO sessions (id, user_id, current_jti, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)",
      ).bind(`purge-${userId}-${i}`, userId, `jti-${i}`, old, old + DAY, old),
    );
    for (let i = 0; i < rows.length; i += 100) await env.DB.batch(rows.slice(i, i + 100));
    const d1 = recordingD1();
    const report = await runPurge(0, { DB: d1.binding });
    expect(report.sessions).toBeGreaterThanOrEqual(PURGE_BATCH + 20);
    const deletes = d1.calls().filter((call) => call.sql[0]!.startsWith('delete from "sessions"'));
    expect(deletes.length).toBeGreaterThanOrEqual(2);
    expect(await sessionIds(userId)).toHaveLength(1);
  });
});
