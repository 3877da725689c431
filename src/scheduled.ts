import { database } from "./db/client";
import { RequestD1 } from "./db/request-d1";
import { loadConfig } from "./lib/config";
import { purge } from "./services/purge";

/** The Cron Trigger of wrangler.toml ([triggers] crons): the daily purge, logged as one JSON line. */
export async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  const db = database(new RequestD1(env.DB, "first-primary"));
  const purged = await purge(db, loadConfig(env));
  console.log(JSON.stringify({ event: "purge", cron: controller.cron, ...purged }));
}
