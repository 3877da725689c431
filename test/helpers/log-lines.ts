import { type MockInstance, vi } from "vitest";

/** One of the Worker's JSON log lines (src/lib/log.ts). */
export type LogLine = {
  event: string;
  request_id?: string | null;
  error?: { name: string; message: string; stack?: string; cause?: LogLine["error"] };
  [field: string]: unknown;
};

/** The JSON lines a console spy has caught so far; calls that are not one JSON object are skipped. */
export function logLines(spy: MockInstance): LogLine[] {
  return spy.mock.calls.flatMap(([first]) => {
    if (typeof first !== "string") return [];
    try {
      const line: unknown = JSON.parse(first);
      return line !== null && typeof line === "object" && !Array.isArray(line) ? [line as LogLine] : [];
    } catch {
      return [];
    }
  });
}

/** Catches console[level] (keeping it out of the test output) and reads the JSON lines logged to it. */
export function captureLog(level: "info" | "error") {
  const spy = vi.spyOn(console, level).mockImplementation(() => {});
  return { spy, lines: () => logLines(spy) };
}

/** The messages of the errors logged so far, their causes included: what an assertion on "what the log says" reads. */
export const loggedErrorMessages = (spy: MockInstance) =>
  logLines(spy).flatMap((line) => {
    const messages: string[] = [];
    for (let error = line.error; error; error = error.cause) messages.push(error.message);
    return messages;
  });
