import { describe, expect, it } from "vitest";
import { RefusalMemory, TRUST_MS } from "../../src/services/refusal-memory";
import { judge } from "../../src/services/sliding-log";

const t0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const login = { scope: "login", limit: 10, durationMs: HOUR };

describe("RefusalMemory", () => {
  it("answers for a full window until TRUST_MS has passed, then leaves it to the limiter, long before it frees", () => {
    const memory = new RefusalMemory();
    const refused = judge(login, { count: 10, oldest: t0 }, t0);
    expect(refused).toMatchObject({ allowed: false, resetMs: HOUR, waitMs: HOUR });
    memory.learn("login:ada", [refused], t0);

    const left = HOUR - (TRUST_MS - 1);
    expect(memory.recall("login:ada", login, t0 + TRUST_MS - 1)).toEqual({
      ...login,
      allowed: false,
      remaining: 0,
      resetMs: left,
      waitMs: left,
    });
    expect(memory.recall("login:ada", login, t0 + TRUST_MS)).toBeNull();
    expect(memory.recall("login:ada", login, t0 + HOUR - 1)).toBeNull();
  });

  it("trusts a window that frees within TRUST_MS only until it frees", () => {
    const memory = new RefusalMemory();
    const soon = TRUST_MS / 2;
    memory.learn("login:ada", [judge(login, { count: 10, oldest: t0 - HOUR + soon }, t0)], t0);
    expect(memory.recall("login:ada", login, t0 + soon - 1)).toMatchObject({ allowed: false, resetMs: 1 });
    expect(memory.recall("login:ada", login, t0 + soon)).toBeNull();
  });
});
