/** True when D1 refused a write because it would break a UNIQUE constraint on `column` ("table.column"). */
export function isUniqueViolation(error: unknown, column: string): boolean {
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e.message.includes("UNIQUE constraint failed") && e.message.includes(column)) return true;
  }
  return false;
}
