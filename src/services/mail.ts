import type { Database } from "../db/client";
import { outbox } from "../db/schema";
import type { Config } from "../lib/config";
import { errorFields, logLine } from "../lib/log";

// Outbound mail: one message shape, three transports chosen by MAIL_TRANSPORT, and delivery with
// retries. Mail is always sent after the response (lib/background.ts), so a slow or failing transport
// never shows in an answer, and never differently for an account that exists and one that does not.

export type MailMessage = { to: string; subject: string; text: string; html: string };

/** Hands one message over, or throws. `id` is the same for every attempt at one message (idempotency). */
export type Transport = (message: MailMessage, id: string) => Promise<void>;

/** What a mail job needs: the bindings, the configuration, the primary database, and whose request it is. */
export type MailContext = { env: Env; config: Config; db: Database; requestId: string };

/** How long a provider may take to accept a message before the attempt counts as failed. */
const SEND_TIMEOUT_MS = 10_000;

/** The local transport (`wrangler dev`, the tests): the message is kept in the outbox table. */
const toOutbox =
  (db: Database): Transport =>
  async (message) => {
    await db.insert(outbox).values({ ...message, sentAt: new Date() });
    // The subject only: the body holds the link, and tokens never go to a log.
    logLine("info", { event: "mail_outbox", to: message.to, subject: message.subject, read_with: "npm run outbox" });
  };

/** Cloudflare Email Sending: the send_email binding EMAIL (public beta, Workers Paid). */
const toCloudflare =
  (env: Env, from: Config["mail"]["from"]): Transport =>
  async (message) => {
    if (!env.EMAIL) throw new Error("MAIL_TRANSPORT is cloudflare but the send_email binding EMAIL is missing");
    await env.EMAIL.send({ from: from.name ? { email: from.email, name: from.name } : from.email, ...message });
  };

/** Resend's HTTP API; its Idempotency-Key makes a retried message one message (for 24 hours). */
const toResend =
  (apiKey: string, from: Config["mail"]["from"]): Transport =>
  async (message, id) => {
    const response = await fetch("https://api.resend.com/emails", {
      method: "POST",
      headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json", "Idempotency-Key": id },
      body: JSON.stringify({
        from: from.name ? `${from.name} <${from.email}>` : from.email,
        to: [message.to],
        subject: message.subject,
        text: message.text,
        html: message.html,
      }),
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    // The status only: an error body may quote the message, and with it a link.
    if (!response.ok) throw new Error(`Resend answered ${response.status}`);
  };

export function transportFor({ env, config, db }: MailContext): Transport {
  const { transport, from, resendApiKey } = config.mail;
  if (transport === "cloudflare") return toCloudflare(env, from);
  if (transport === "resend") return toResend(resendApiKey!, from);
  return toOutbox(db);
}

/** Waits between attempts: a provider's hiccup (a 5xx, a rate limit) usually passes within seconds. */
export const RETRY_DELAYS_MS = [500, 2_000];

/**
 * Delivers one message, retrying a failed attempt after each of RETRY_DELAYS_MS; a message that still
 * fails is logged (its kind and the request's id, never its body) and given up. Never throws.
 */
export async function deliver(context: MailContext, kind: string, message: MailMessage): Promise<void> {
  const transport = transportFor(context);
  const id = crypto.randomUUID();
  for (let attempt = 0; ; attempt++) {
    try {
      await transport(message, id);
      return;
    } catch (e) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        logLine("error", {
          event: "mail_failed",
          request_id: context.requestId,
          kind,
          attempts: attempt + 1,
          error: errorFields(e),
        });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
