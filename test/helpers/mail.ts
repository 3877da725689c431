import { env } from "cloudflare:workers";
import { type CallOptions, call } from "./http";

/** A message the local transport kept (the outbox table, as `npm run outbox` reads it). */
export type OutboxMessage = { id: number; to: string; subject: string; text: string; html: string | null };

/** Every message to `address` (any case), oldest first. */
export async function mailTo(address: string): Promise<OutboxMessage[]> {
  const rows = await env.DB.prepare(
    'SELECT id, "to", subject, text, html FROM outbox WHERE lower("to") = lower(?) ORDER BY id',
  )
    .bind(address)
    .all<OutboxMessage>();
  return rows.results;
}

/** The query parameters of the link in a message (its first http(s) URL): a verification `key`, a reset's `uid` and `token`. */
export function linkIn(message: OutboxMessage): { url: string; params: Record<string, string> } {
  const url = /https?:\/\/\S+/.exec(message.text)?.[0];
  if (!url) throw new Error(`no link in "${message.subject}": ${message.text}`);
  return { url, params: Object.fromEntries(new URL(url).searchParams) };
}

/** The newest message to `address` with this subject; fails if there is none. */
export async function lastMail(address: string, subject: string): Promise<OutboxMessage> {
  const found = (await mailTo(address)).filter((m) => m.subject === subject).at(-1);
  if (!found) throw new Error(`no "${subject}" to ${address}`);
  return found;
}

/**
 * A request whose work after the response (the mail jobs' waitUntil) has finished when it returns:
 * the Worker is called with an execution context of the test's own, waited on.
 */
export const settled = (method: string, path: string, body?: unknown, options: CallOptions = {}) =>
  call(method, path, body, { ...options, bindings: options.bindings ?? {} });
