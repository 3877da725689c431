// `npm run outbox`: the mail the local transport kept (MAIL_TRANSPORT = "local": `npm run dev` and the
// tests), newest last. Read from the local D1's outbox table, where the Worker writes it.
//
//   npm run outbox                      every message, readable
//   npm run outbox -- --to ADDRESS      only those to ADDRESS (any case)
//   npm run outbox -- --json            a JSON array of {to, subject, text, html?, sent_at} and nothing else
//   npm run outbox -- --persist-to DIR  another local state directory (PERSIST_TO in the environment, too)
import { parseArgs } from "node:util";
import { D1CommandError, d1Execute } from "./wrangler-d1.mjs";

const { values: options } = parseArgs({
  options: {
    to: { type: "string" },
    json: { type: "boolean", default: false },
    "persist-to": { type: "string" },
  },
});
const persistTo = options["persist-to"] ?? (process.env.PERSIST_TO || undefined);

// The address goes in as a SQL string literal: quotes doubled, so no address can end the literal.
const literal = (text) => `'${text.replaceAll("'", "''")}'`;
const where = options.to === undefined ? "" : ` WHERE lower("to") = lower(${literal(options.to)})`;

let rows;
try {
  rows = d1Execute(`SELECT "to", subject, text, html, sent_at FROM outbox${where} ORDER BY id`, { persistTo });
} catch (e) {
  if (!(e instanceof D1CommandError)) throw e;
  console.error(e.message);
  process.exit(1);
}

const messages = rows.map(({ to, subject, text, html, sent_at }) => ({
  to,
  subject,
  text,
  ...(html === null ? {} : { html }),
  sent_at: new Date(sent_at).toISOString(),
}));

if (options.json) {
  console.log(JSON.stringify(messages, null, 2));
} else if (messages.length === 0) {
  console.log(options.to === undefined ? "The outbox is empty." : `No message to ${options.to}.`);
} else {
  for (const message of messages) {
    console.log(`── ${message.sent_at}  to ${message.to}\n   ${message.subject}\n`);
    console.log(`${message.text.replace(/^/gm, "   ")}\n`);
  }
}
