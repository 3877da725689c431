import { primaryDatabase } from "./db/client";
import { loadConfig } from "./lib/config";
import { purge } from "./services/purge";

/** The Cron Trigger of wrangler.toml ([triggers] crons): the daily purge, logged as one JSON line. */
export async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  const db = primaryDatabase(env.DB);
  const purged = await purge(db, loadConfig(env));
  console.log(JSON.stringify({ event: "purge", cron: controller.cron, ...purged }));
}
