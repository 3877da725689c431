/**
 * The Worker's own log lines: one JSON object per line, so that Workers Logs indexes their fields
 * (request_id, status, …) and `wrangler tail --format json | jq` can select on them.
 */
export type LogFields = Record<string, unknown>;

export function logLine(level: "info" | "warn" | "error", fields: LogFields): void {
  console[level](JSON.stringify(fields));
}

// Deep enough for a library's wrapper around a driver's error around the network's; a cycle stops too.
const MAX_CAUSES = 3;

/** An error as a log line holds it: its name, message and stack, then what it wraps. */
export function errorFields(error: unknown, depth = 0): LogFields {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error) };
  const fields: LogFields = { name: error.name, message: error.message, stack: error.stack };
  if (error.cause !== undefined && error.cause !== error && depth < MAX_CAUSES) {
    fields.cause = errorFields(error.cause, depth + 1);
  }
  return fields;
}
