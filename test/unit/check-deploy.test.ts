import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkDeployment, type KeySetSource, type WorkerConfig } from "../../scripts/deploy-checks";
import { initKeySet } from "../../src/services/key-rotation";

// What `npm run deploy` refuses before anything is applied or uploaded (scripts/check-deploy.mjs runs
// these checks on wrangler.toml as wrangler reads it; here, on configurations of the tests' making).

// wrangler.toml's own rates, which the tests' Worker runs with.
const RATES = env.DEFAULT_THROTTLE_RATES as Record<string, string | null>;

/** A production environment that is ready to deploy, shaped as wrangler's resolved config. */
const production = (vars: Record<string, unknown> = {}, more: Partial<WorkerConfig> = {}): WorkerConfig => ({
  vars: {
    ENVIRONMENT: "production",
    ACCESS_TOKEN_LIFETIME: "3600",
    REFRESH_TOKEN_LIFETIME: "86400",
    SESSION_LIFETIME: "2592000",
    TRASH_RETENTION_DAYS: "30",
    DEFAULT_THROTTLE_CLASSES: ["anon", "user", "burst", "sustained"],
    DEFAULT_THROTTLE_RATES: RATES,
    CORS_ALLOWED_ORIGINS: "https://app.mysite.dev,https://admin.mysite.dev",
    JWT_ALGORITHM: "HS256",
    MAIL_TRANSPORT: "cloudflare",
    MAIL_FROM: "no-reply@mysite.dev",
    FRONTEND_URL: "https://app.mysite.dev",
    ...vars,
  },
  d1_databases: [
    { binding: "DB", database_name: "edge-drf-api-production", database_id: "6c1f0d2e-8b4a-4f3e-9a7d-2b5c8e1f0a93" },
  ],
  kv_namespaces: [{ binding: "BLACKLIST", id: "0f5a8c2e4b6d4e1f9a3c7b5d2e8f1a4c" }],
  r2_buckets: [{ binding: "AVATARS", bucket_name: "edge-drf-api-avatars-production" }],
  durable_objects: { bindings: [{ name: "RATE_LIMITER" }] },
  send_email: [{ name: "EMAIL" }],
  secrets: { required: ["JWT_SIGNING_KEYS", "SECRET_KEY"] },
  observability: { enabled: true },
  ...more,
});

/** The top level of wrangler.toml: local development's bindings. */
const local: WorkerConfig = {
  ...production({
    ENVIRONMENT: "development",
    CORS_ALLOWED_ORIGINS: "http://localhost:5173",
    MAIL_TRANSPORT: "local",
    FRONTEND_URL: "http://localhost:5173",
  }),
  d1_databases: [{ binding: "DB", database_name: "edge-drf-api", database_id: "00000000-0000-0000-0000-000000000000" }],
  kv_namespaces: [{ binding: "BLACKLIST", id: "00000000000000000000000000000000" }],
};

const check = (target: WorkerConfig, keySet?: KeySetSource) =>
  checkDeployment(target, local, { env: "production", keySet });
const errorsOf = (target: WorkerConfig, keySet?: KeySetSource) => check(target, keySet).errors;

describe("a production configuration ready to deploy", () => {
  it("passes, with nothing to warn about", () => {
    expect(check(production())).toEqual({ errors: [], warnings: [] });
  });

  it("passes with its key set, and with vars given as JSON text (as --var and the dashboard give them)", async () => {
    const keySet = { text: JSON.stringify(await initKeySet("HS256")), from: "keys.json" };
    expect(check(production(), keySet)).toEqual({ errors: [], warnings: [] });
    const asText = production({
      DEFAULT_THROTTLE_RATES: JSON.stringify(RATES),
      DEFAULT_THROTTLE_CLASSES: '["anon", "user"]',
    });
    expect(errorsOf(asText)).toEqual([]);
  });
});

describe("mail", () => {
  it("refuses a production with no transport, or the local outbox that reaches nobody", () => {
    const { MAIL_TRANSPORT: _, ...noTransport } = production().vars;
    expect(errorsOf({ ...production(), vars: noTransport })).toEqual([
      "[env.production.vars] MAIL_TRANSPORT must be one of local, cloudflare, resend (docs/accounts-and-email.md)",
    ]);
    expect(errorsOf(production({ MAIL_TRANSPORT: "local" }))).toEqual([
      '[env.production.vars] MAIL_TRANSPORT is "local": mail would only be written to the outbox table and nobody ' +
        'would get a verification or reset link. Set "cloudflare" (Email Sending\'s send_email binding) or "resend"',
    ]);
  });

  it("refuses a transport without what it needs: the send_email binding, or Resend's key as a required secret", () => {
    expect(errorsOf(production({}, { send_email: [] }))).toEqual([
      '[env.production.vars] MAIL_TRANSPORT is "cloudflare" but [[env.production.send_email]] has no binding named ' +
        '"EMAIL": add one (docs/accounts-and-email.md), from an address of a domain onboarded to Email Service',
    ]);
    expect(errorsOf(production({ MAIL_TRANSPORT: "resend" }))).toEqual([
      '[env.production.secrets] required does not list RESEND_API_KEY, which MAIL_TRANSPORT "resend" needs: add it, and ' +
        "`npx wrangler secret put RESEND_API_KEY --env production`",
    ]);
    const resend = production(
      { MAIL_TRANSPORT: "resend" },
      { secrets: { required: ["JWT_SIGNING_KEYS", "SECRET_KEY", "RESEND_API_KEY"] } },
    );
    expect(check(resend)).toEqual({ errors: [], warnings: [] });
  });

  it("refuses links to the reader's own machine, and warns of the examples and of plain http", () => {
    expect(errorsOf(production({ FRONTEND_URL: "http://localhost:5173" }))).toEqual([
      '[env.production.vars] FRONTEND_URL is "http://localhost:5173": every mailed link would point at the ' +
        "reader's own machine. Set the address of your SPA",
    ]);
    expect(check(production({ FRONTEND_URL: "https://app.example.com", MAIL_FROM: "a@example.com" })).warnings).toEqual(
      [
        '[env.production.vars] FRONTEND_URL is still the example "https://app.example.com": set your SPA\'s address',
        '[env.production.vars] MAIL_FROM is still the example "a@example.com": set an address of your own domain',
      ],
    );
    expect(check(production({ FRONTEND_URL: "http://app.mysite.dev" })).warnings).toEqual([
      "[env.production.vars] FRONTEND_URL is plain http: the reset links would travel unencrypted; use https",
    ]);
    expect(errorsOf(production({ FRONTEND_URL: "not a url" }))).toEqual([
      "[env.production.vars] FRONTEND_URL must be an absolute http(s) URL, e.g. https://app.example.com",
    ]);
  });
});

describe("binding ids", () => {
  it("refuses the REPLACE_WITH_ placeholders, naming the setting and the command that makes the id", () => {
    const target = production(
      {},
      {
        d1_databases: [
          { binding: "DB", database_name: "edge-drf-api-production", database_id: "REPLACE_WITH_D1_DATABASE_ID" },
        ],
        kv_namespaces: [{ binding: "BLACKLIST", id: "REPLACE_WITH_KV_NAMESPACE_ID" }],
      },
    );
    expect(errorsOf(target)).toEqual([
      '[[env.production.d1_databases]] database_id (binding "DB") is still the placeholder "REPLACE_WITH_D1_DATABASE_ID": ' +
        "run `npx wrangler d1 create edge-drf-api-production` and paste the database_id it prints (a UUID)",
      '[[env.production.kv_namespaces]] id (binding "BLACKLIST") is still the placeholder "REPLACE_WITH_KV_NAMESPACE_ID": ' +
        "run `npx wrangler kv namespace create BLACKLIST --env production` and paste the id it prints (32 hex digits)",
    ]);
  });

  it.each([
    ["the local all-zero id", "00000000-0000-0000-0000-000000000000", /is the local placeholder/],
    ["no id", undefined, /is not set/],
    ["a KV id where a D1 id goes", "0f5a8c2e4b6d4e1f9a3c7b5d2e8f1a4c", /is not an id of that kind/],
  ])("refuses %s", (_, id, problem) => {
    const target = production({}, { d1_databases: [{ binding: "DB", database_name: "x", database_id: id }] });
    expect(errorsOf(target)).toEqual([expect.stringMatching(problem)]);
  });

  it("refuses an environment that lacks a binding the Worker uses (environments inherit none)", () => {
    const target = production({}, { kv_namespaces: [], durable_objects: { bindings: [] } });
    expect(errorsOf(target)).toEqual([
      expect.stringMatching(
        /^\[env.production\] has no kv_namespaces binding "BLACKLIST".*\[\[env.production.kv_namespaces\]\]/,
      ),
      expect.stringMatching(/^\[env.production\] has no durable_objects.bindings binding "RATE_LIMITER"/),
    ]);
  });
});

describe("vars, through the API's own parser", () => {
  it.each([
    [
      "a rate without a period",
      { DEFAULT_THROTTLE_RATES: { ...RATES, burst: "60/fortnight" } },
      'DEFAULT_THROTTLE_RATES.burst: "60/fortnight" has no period',
    ],
    [
      "a rate that is not one",
      { DEFAULT_THROTTLE_RATES: { ...RATES, anon: "ten/hour" } },
      'DEFAULT_THROTTLE_RATES.anon: "ten/hour" is not a rate',
    ],
    [
      "a scope without a rate",
      { DEFAULT_THROTTLE_RATES: { anon: "1/s" } },
      "No default throttle rate set for 'user' scope",
    ],
    [
      "an unknown scope",
      { DEFAULT_THROTTLE_RATES: { ...RATES, bursty: "1/s" } },
      'DEFAULT_THROTTLE_RATES: unknown scope "bursty"',
    ],
    [
      "an unknown throttle class",
      { DEFAULT_THROTTLE_CLASSES: ["anon", "users"] },
      'DEFAULT_THROTTLE_CLASSES: unknown throttle "users"',
    ],
    [
      "a lifetime that is not a whole number",
      { ACCESS_TOKEN_LIFETIME: "300.5" },
      "ACCESS_TOKEN_LIFETIME must be a whole number of seconds",
    ],
    ["a lifetime of zero", { SESSION_LIFETIME: "0" }, "SESSION_LIFETIME must be positive"],
    [
      "a lifetime in words",
      { REFRESH_TOKEN_LIFETIME: "one day" },
      "REFRESH_TOKEN_LIFETIME must be a number of seconds",
    ],
    [
      "an algorithm the API does not sign with",
      { JWT_ALGORITHM: "RS256" },
      "JWT_ALGORITHM must be one of HS256, ES256, EdDSA",
    ],
  ])("refuses %s, naming the setting", (_, vars, problem) => {
    const errors = errorsOf(production(vars));
    expect(errors).toContainEqual(expect.stringContaining(`[env.production.vars] ${problem}`));
    expect(errors.every((error) => error.startsWith("[env.production.vars] "))).toBe(true);
  });

  it("refuses lifetimes out of order: ACCESS ≤ REFRESH ≤ SESSION", () => {
    expect(errorsOf(production({ ACCESS_TOKEN_LIFETIME: "90000" }))).toEqual([
      expect.stringMatching(
        /^\[env.production.vars\] ACCESS_TOKEN_LIFETIME \(90000 s\) is longer than REFRESH_TOKEN_LIFETIME \(86400 s\)/,
      ),
    ]);
    expect(errorsOf(production({ SESSION_LIFETIME: "3600" }))).toEqual([
      expect.stringMatching(
        /REFRESH_TOKEN_LIFETIME \(86400 s\) is longer than SESSION_LIFETIME \(3600 s\): .*lengthen SESSION_LIFETIME/,
      ),
    ]);
    expect(errorsOf(production({ ACCESS_TOKEN_LIFETIME: "86400", SESSION_LIFETIME: "86400" }))).toEqual([]);
  });

  it("refuses an ENVIRONMENT other than production, unset included", () => {
    for (const value of ["development", undefined, "prod"]) {
      expect(errorsOf(production({ ENVIRONMENT: value }))).toEqual([
        expect.stringMatching(/^\[env.production.vars\] ENVIRONMENT is .*: set ENVIRONMENT = "production"/),
      ]);
    }
  });

  it("refuses the signing keys or SECRET_KEY as a var, and a production that does not require them as secrets", () => {
    expect(errorsOf(production({ JWT_SIGNING_KEYS: '{"keys": []}' }))).toContainEqual(
      expect.stringMatching(/^\[env.production.vars\] holds JWT_SIGNING_KEYS, in plain text/),
    );
    expect(errorsOf(production({ SECRET_KEY: btoa("x".repeat(32)) }))).toEqual([
      expect.stringMatching(/^\[env.production.vars\] holds SECRET_KEY, in plain text/),
    ]);
    expect(errorsOf(production({}, { secrets: undefined }))).toEqual([
      expect.stringMatching(/^\[env.production.secrets\] required does not list JWT_SIGNING_KEYS/),
      expect.stringMatching(/^\[env.production.secrets\] required does not list SECRET_KEY/),
    ]);
  });
});

describe("CORS_ALLOWED_ORIGINS", () => {
  it.each([
    ["https://app.mysite.dev/", 'CORS_ALLOWED_ORIGINS: "https://app.mysite.dev/" is not an origin'],
    ["https://*.mysite.dev", 'CORS_ALLOWED_ORIGINS: "https://*.mysite.dev" is a wildcard'],
    ["http://localhost:5173", 'CORS_ALLOWED_ORIGINS allows "http://localhost:5173" in production'],
    [
      "https://app.mysite.dev,http://127.0.0.1:8787",
      'CORS_ALLOWED_ORIGINS allows "http://127.0.0.1:8787" in production',
    ],
    ["http://dev.localhost:3000", 'CORS_ALLOWED_ORIGINS allows "http://dev.localhost:3000" in production'],
  ])("refuses %j", (origins, problem) => {
    expect(errorsOf(production({ CORS_ALLOWED_ORIGINS: origins }))).toEqual([
      expect.stringContaining(`[env.production.vars] ${problem}`),
    ]);
  });

  it("refuses a list that is not text", () => {
    expect(errorsOf(production({ CORS_ALLOWED_ORIGINS: ["https://app.mysite.dev"] }))).toEqual([
      expect.stringContaining("CORS_ALLOWED_ORIGINS must be text"),
    ]);
  });

  it("warns of the example origin and of plain http, and accepts none at all", () => {
    expect(check(production({ CORS_ALLOWED_ORIGINS: "https://app.example.com" }))).toEqual({
      errors: [],
      warnings: [expect.stringContaining('still allows the example origin "https://app.example.com"')],
    });
    expect(check(production({ CORS_ALLOWED_ORIGINS: "http://app.mysite.dev" })).warnings).toEqual([
      expect.stringContaining('allows "http://app.mysite.dev" over plain http'),
    ]);
    expect(check(production({ CORS_ALLOWED_ORIGINS: undefined }))).toEqual({ errors: [], warnings: [] });
  });
});

describe("the key set, when one is given", () => {
  it("is validated against JWT_ALGORITHM, naming where it came from", async () => {
    const keySet = { text: JSON.stringify(await initKeySet("EdDSA")), from: "keys.json" };
    expect(errorsOf(production(), keySet)).toEqual([
      expect.stringMatching(
        /^keys.json: JWT_SIGNING_KEYS's current key ".+" is EdDSA but JWT_ALGORITHM is HS256: set JWT_ALGORITHM = "EdDSA"/,
      ),
    ]);
  });

  it("is refused when it is no key set, without showing what it holds", () => {
    const text = '{"keys": [{"kid": "a", "alg": "HS256", "kty": "oct", "k": "c2hvcnQ", "state": "current"}]}';
    const [problem, ...others] = errorsOf(production(), { text, from: "JWT_SIGNING_KEYS in the environment" });
    expect(others).toEqual([]);
    expect(problem).toMatch(/an HS256 secret shorter than 32 bytes/);
    expect(problem).not.toContain("c2hvcnQ");
    expect(errorsOf(production(), { text: "{keys", from: "k.json" })).toEqual([
      expect.stringContaining("JWT_SIGNING_KEYS is not valid JSON"),
    ]);
  });
});

describe("observability", () => {
  it("warns when production keeps no logs", () => {
    expect(check(production({}, { observability: { enabled: false } })).warnings).toEqual([
      expect.stringMatching(/^\[env.production.observability\] is off/),
    ]);
    expect(check(production({}, { observability: { enabled: false, logs: { enabled: true } } })).warnings).toEqual([]);
  });
});
