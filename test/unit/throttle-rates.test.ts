import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ConfigurationError, loadConfig } from "../../src/lib/config";
import { parseRate, RateSyntaxError } from "../../src/lib/throttle-rates";

describe("parseRate (DRF's parse_rate)", () => {
  it.each([
    ["100/hour", 100, 3600],
    ["5/day", 5, 86400],
    ["5/d", 5, 86400],
    ["5/dxyz", 5, 86400], // only the first letter of the period counts, as in DRF
    ["60/min", 60, 60],
    ["60/m", 60, 60],
    ["3/sec", 3, 1],
    ["1000/h", 1000, 3600],
    ["0/day", 0, 86400],
  ])("%s → %i per %i s", (rate, limit, seconds) => {
    expect(parseRate(rate)).toEqual({ limit, durationMs: seconds * 1000 });
  });

  it.each(["5/10m", "5/week", "5/Day", "five/day", "5", "5/", "/day", "-1/day", "1.5/day", "5/day/x", " 5/day", ""])(
    "refuses %j",
    (rate) => {
      expect(() => parseRate(rate)).toThrow(RateSyntaxError);
    },
  );
});

describe("throttle configuration", () => {
  const vars = { ...env };
  const withVars = (overrides: Record<string, unknown>) => loadConfig({ ...vars, ...overrides } as unknown as Env);
  const rates = { ...env.DEFAULT_THROTTLE_RATES } as Record<string, string | null>;

  it("reads wrangler.toml's classes and rates", () => {
    const config = withVars({});
    expect(config.throttleClasses).toEqual(["anon", "user", "burst", "sustained"]);
    expect(config.throttleRates).toEqual({
      anon: { limit: 100, durationMs: 3_600_000 },
      user: { limit: 1000, durationMs: 3_600_000 },
      burst: { limit: 60, durationMs: 60_000 },
      sustained: { limit: 1000, durationMs: 86_400_000 },
      uploads: { limit: 20, durationMs: 86_400_000 },
      login: { limit: 10, durationMs: 3_600_000 },
      book_create: { limit: 5, durationMs: 86_400_000 },
      password_reset: { limit: 5, durationMs: 3_600_000 },
      email_verify: { limit: 10, durationMs: 3_600_000 },
      email_change: { limit: 5, durationMs: 3_600_000 },
      mail_cooldown: { limit: 1, durationMs: 60_000 },
      mfa: { limit: 10, durationMs: 3_600_000 },
    });
    expect(config.numProxies).toBeNull();
  });

  it("takes JSON text too (wrangler --var and the dashboard only set strings)", () => {
    const config = withVars({
      DEFAULT_THROTTLE_CLASSES: '["user"]',
      DEFAULT_THROTTLE_RATES: JSON.stringify({ ...rates, user: "7/m", burst: null }),
      NUM_PROXIES: "2",
    });
    expect(config.throttleClasses).toEqual(["user"]);
    expect(config.throttleRates.user).toEqual({ limit: 7, durationMs: 60_000 });
    expect(config.throttleRates.burst).toBeNull();
    expect(config.numProxies).toBe(2);
  });

  it("refuses a malformed rate, naming the scope and the fix", () => {
    const load = () => withVars({ DEFAULT_THROTTLE_RATES: { ...rates, burst: "60/10m" } });
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(/DEFAULT_THROTTLE_RATES\.burst: "60\/10m" has no period: it must start with s, m, h or d/);
  });

  it("refuses a missing scope with DRF's message", () => {
    const { uploads: _, ...withoutUploads } = rates;
    expect(() => withVars({ DEFAULT_THROTTLE_RATES: withoutUploads })).toThrow(
      /No default throttle rate set for 'uploads' scope/,
    );
  });

  it("refuses unknown scopes and throttle names (typos must not switch a throttle off)", () => {
    expect(() => withVars({ DEFAULT_THROTTLE_RATES: { ...rates, burts: "1/s" } })).toThrow(/unknown scope "burts"/);
    expect(() => withVars({ DEFAULT_THROTTLE_CLASSES: ["anon", "usr"] })).toThrow(
      /DEFAULT_THROTTLE_CLASSES: unknown throttle "usr"/,
    );
    // `login` guards the token view itself; it is not a class a route can apply.
    expect(() => withVars({ DEFAULT_THROTTLE_CLASSES: ["login"] })).toThrow(/unknown throttle "login"/);
  });

  it("refuses rates that are not a map and classes that are not a list", () => {
    expect(() => withVars({ DEFAULT_THROTTLE_RATES: "100/hour" })).toThrow(/DEFAULT_THROTTLE_RATES must map/);
    expect(() => withVars({ DEFAULT_THROTTLE_CLASSES: "anon,user" })).toThrow(/must be a list of throttle names/);
  });

  it.each(["-1", "one", "1.5", -1])("refuses NUM_PROXIES = %j", (value) => {
    expect(() => withVars({ NUM_PROXIES: value })).toThrow(/NUM_PROXIES/);
  });
});
