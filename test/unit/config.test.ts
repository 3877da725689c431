import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ConfigurationError, loadConfig } from "../../src/lib/config";

describe("configuration", () => {
  const vars = { ...env };
  const with_ = (override: Record<string, string>) => ({ ...vars, ...override }) as unknown as Env;

  it("reads lifetimes from the vars", () => {
    const config = loadConfig({ ...vars });
    expect(config.accessTokenLifetime).toBe(3600);
    expect(config.refreshTokenLifetime).toBe(86400);
    expect(config.sessionLifetime).toBe(30 * 86400);
  });

  it("refuses to run without a signing key set, saying how to make one", () => {
    const { JWT_SIGNING_KEYS: _, ...rest } = vars;
    expect(() => loadConfig(rest as unknown as Env)).toThrow(ConfigurationError);
    expect(() => loadConfig(rest as unknown as Env)).toThrow(/JWT_SIGNING_KEYS is not set.*npm run keys -- init/);
  });

  it("reads the signing settings: HS256 and no iss, aud or leeway by default", () => {
    const { JWT_ALGORITHM: _, ...rest } = vars;
    const config = loadConfig(rest as unknown as Env);
    expect(config).toMatchObject({ jwtAlgorithm: "HS256", jwtIssuer: null, jwtAudience: null, jwtLeeway: 0 });
    expect(config.signingKeys.keys.map((k) => [k.kid, k.state])).toEqual([["test-hs256-current", "current"]]);
    const set = loadConfig(with_({ JWT_ISSUER: "https://api.example.com", JWT_AUDIENCE: "spa", JWT_LEEWAY: "30" }));
    expect(set).toMatchObject({ jwtIssuer: "https://api.example.com", jwtAudience: "spa", jwtLeeway: 30 });
  });

  it.each([
    [{ JWT_ALGORITHM: "RS256" }, /JWT_ALGORITHM must be one of HS256, ES256, EdDSA/],
    [
      { JWT_ALGORITHM: "ES256" },
      /JWT_SIGNING_KEYS's current key "test-hs256-current" is HS256 but JWT_ALGORITHM is ES256/,
    ],
    [{ JWT_SIGNING_KEYS: "not json" }, /JWT_SIGNING_KEYS is not valid JSON/],
    [{ JWT_SIGNING_KEYS: '{"keys": []}' }, /JWT_SIGNING_KEYS has an empty "keys" list/],
    [{ JWT_LEEWAY: "a minute" }, /JWT_LEEWAY must be a number of seconds/],
    [{ JWT_LEEWAY: "-5" }, /JWT_LEEWAY must not be negative/],
    [{ JWT_ISSUER: "" }, /JWT_ISSUER must not be empty/],
  ])("refuses %j, naming the setting", (override, message) => {
    expect(() => loadConfig(with_(override))).toThrow(ConfigurationError);
    expect(() => loadConfig(with_(override))).toThrow(message);
  });

  it("refuses a lifetime that is not a whole number of seconds", () => {
    expect(() => loadConfig({ ...vars, ACCESS_TOKEN_LIFETIME: "an hour" } as unknown as Env)).toThrow(
      /ACCESS_TOKEN_LIFETIME/,
    );
  });
});
