import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ConfigurationError, loadConfig } from "../../src/lib/config";

describe("configuration", () => {
  const vars = { ...env };

  it("reads lifetimes from the vars", () => {
    const config = loadConfig({ ...vars });
    expect(config.accessTokenLifetime).toBe(3600);
    expect(config.refreshTokenLifetime).toBe(86400);
    expect(config.sessionLifetime).toBe(30 * 86400);
  });

  it("refuses to run without a JWT secret, saying how to set one", () => {
    const { JWT_SECRET: _, ...rest } = vars;
    expect(() => loadConfig(rest as unknown as Env)).toThrow(ConfigurationError);
    expect(() => loadConfig(rest as unknown as Env)).toThrow(/JWT_SECRET is not set/);
  });

  it("refuses a secret shorter than 32 bytes", () => {
    expect(() => loadConfig({ ...vars, JWT_SECRET: "short" })).toThrow(/at least 32 bytes/);
  });

  it("refuses a lifetime that is not a whole number of seconds", () => {
    expect(() => loadConfig({ ...vars, ACCESS_TOKEN_LIFETIME: "an hour" } as unknown as Env)).toThrow(
      /ACCESS_TOKEN_LIFETIME/,
    );
  });
});
