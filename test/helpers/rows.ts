import { env } from "cloudflare:workers";

/** A row straight from D1, for checking what a request did (or did not) write. */
export const rowOf = (table: string, id: number | string) =>
  env.DB.prepare(`SELECT * FROM ${table} WHERE id = ?`).bind(id).first<Record<string, unknown>>();

export const countRows = async (table: string) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
