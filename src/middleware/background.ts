import type { AppEnv } from "../env";
import { errorFields, logLine } from "../lib/log";
import type { MailContext } from "../services/mail";

/**
 * Runs a job after the response has gone (waitUntil), on the D1 primary: what it finds out (does the
 * account exist?) cannot show in the answer or its timing. A failure is logged with the request's id,
 * never answered; a failing mail transport is retried by the job itself (services/mail.ts).
 */
/** What a job needs of a request (any route's context has it). */
type Request = {
  env: Env;
  executionCtx: { waitUntil(promise: Promise<unknown>): void };
  var: Pick<AppEnv["Variables"], "config" | "primaryDb" | "requestId">;
};

export function afterResponse(c: Request, job: (context: MailContext) => Promise<void>): void {
  const context = { env: c.env, config: c.var.config, db: c.var.primaryDb(), requestId: c.var.requestId };
  const run = async () => {
    // A task of its own, queued behind the response: the job starts once the handler has answered.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await job(context);
  };
  c.executionCtx.waitUntil(
    run().catch((e: unknown) => {
      logLine("error", { event: "background_job_failed", request_id: context.requestId, error: errorFields(e) });
    }),
  );
}
