import { causes } from "./errors";

/** True when D1 refused a write because it would break a UNIQUE constraint on `column` ("table.column"). */
function isUniqueViolation(error: unknown, column: string): boolean {
  for (const e of causes(error)) {
    if (e.message.includes("UNIQUE constraint failed") && e.message.includes(column)) return true;
  }
  return false;
}

/**
 * DRF's UniqueValidator, decided by the UNIQUE index itself rather than by a lookup beforehand: no
 * extra query, and no window in which two writers both see a value free. A refusal on one of
 * `answers`' columns ("table.column", or an index's name) becomes its answer, tried in order.
 */
export async function unlessTaken<T>(write: Promise<T>, answers: Record<string, () => Error>): Promise<T> {
  try {
    return await write;
  } catch (e) {
    for (const [column, answer] of Object.entries(answers)) if (isUniqueViolation(e, column)) throw answer();
    throw e;
  }
}
