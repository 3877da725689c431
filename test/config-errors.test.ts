import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { explainsMisconfiguration } from "../src/lib/config";
import { type CallOptions, call, type ReplacedBindings } from "./helpers";
import { captureLog } from "./helpers/log-lines";

const GENERIC = { detail: "The server is misconfigured." };

/** The Worker at `url` (a local development server's unless told), with `vars` replacing wrangler.toml's; no Cloudflare in front. */
const callWorker = (
  vars: ReplacedBindings,
  url = "http://localhost:8787/api/books/",
  method = "GET",
  options: CallOptions = {},
) => call(method, url, undefined, { ...options, ip: null, bindings: vars });

const BROKEN = { ACCESS_TOKEN_LIFETIME: "an hour" };
const REASON = "ACCESS_TOKEN_LIFETIME must be a number of seconds";

describe('a misconfiguration in local development (ENVIRONMENT = "development", on localhost)', () => {
  it("answers 500 with the reason, and logs it", async () => {
    expect(env.ENVIRONMENT).toBe("development"); // wrangler.toml's top-level [vars], which the tests run with
    const log = captureLog("error");
    const res = await callWorker({ ...BROKEN, ENVIRONMENT: "development" });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ detail: `The server is misconfigured: ${REASON}` });
    expect(log.lines()).toEqual([
      expect.objectContaining({
        event: "misconfigured",
        request_id: res.headers.get("X-Request-Id"),
        error: expect.objectContaining({ name: "ConfigurationError", message: expect.stringContaining(REASON) }),
      }),
    ]);
  });

  it("lists every problem, each naming its setting, on preflights too", async () => {
    captureLog("error");
    const rates = { ...(env.DEFAULT_THROTTLE_RATES as Record<string, string | null>), burst: "60/fortnight" };
    const res = await callWorker({ ...BROKEN, DEFAULT_THROTTLE_RATES: rates, ENVIRONMENT: "development" });
    const { detail } = (await res.json()) as { detail: string };
    expect(detail).toContain(REASON);
    expect(detail).toContain('DEFAULT_THROTTLE_RATES.burst: "60/fortnight" has no period');

    const preflight = await callWorker(
      { CORS_ALLOWED_ORIGINS: "https://app.example.com/" },
      "http://127.0.0.1:8787/api/books/",
      "OPTIONS",
      {
        headers: { Origin: "https://app.example.com", "Access-Control-Request-Method": "GET" },
      },
    );
    expect(preflight.status).toBe(500);
    expect(await preflight.json()).toEqual({
      detail: expect.stringMatching(
        /^The server is misconfigured: CORS_ALLOWED_ORIGINS: "https:\/\/app.example.com\/" is not an origin/,
      ),
    });
  });

  it("says how to set a missing secret, and never shows key material", async () => {
    captureLog("error");
    const missing = await callWorker({ JWT_SIGNING_KEYS: undefined });
    expect(((await missing.json()) as { detail: string }).detail).toMatch(
      /^The server is misconfigured: JWT_SIGNING_KEYS is not set .*npm run dev/,
    );
    const secret = "c2VjcmV0LXRoYXQtaXMtbm90LWxvbmctZW5vdWdo";
    const weak = JSON.stringify({
      keys: [{ kid: "k1", alg: "HS256", kty: "oct", k: secret.slice(0, 8), state: "current" }],
    });
    const res = await callWorker({ JWT_SIGNING_KEYS: weak });
    const text = await res.text();
    expect(text).toContain("shorter than 32 bytes");
    expect(text).not.toContain(secret.slice(0, 8));
  });
});

describe("a misconfiguration anywhere else answers without the reason (fails closed)", () => {
  it.each([
    ["production", "production", "http://localhost:8787/api/books/"],
    ["ENVIRONMENT unset", undefined, "http://localhost:8787/api/books/"],
    ["an unknown ENVIRONMENT", "staging", "http://localhost:8787/api/books/"],
    ["a near miss", "Development", "http://localhost:8787/api/books/"],
    ["development, but a deployed hostname", "development", "https://edge-drf-api.example.workers.dev/api/books/"],
    ["development, but not on localhost", "development", "http://api.test/api/books/"],
  ])("%s", async (_, environment, url) => {
    const log = captureLog("error");
    const res = await callWorker({ ...BROKEN, ENVIRONMENT: environment }, url);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual(GENERIC);
    // The log still says why.
    expect(log.lines()[0]?.error?.message).toContain(REASON);
  });
});

describe("explainsMisconfiguration", () => {
  it.each([
    ["http://localhost:8787/", true],
    ["http://app.localhost:8787/", true],
    ["http://127.0.0.1:8787/", true],
    ["http://[::1]:8787/", true],
    ["http://localhost.example.com/", false],
    ["http://127.0.0.1.example.com/", false],
    ["http://192.168.1.20:8787/", false],
  ])("%s in development: %s", (url, expected) => {
    expect(explainsMisconfiguration({ ENVIRONMENT: "development" }, url)).toBe(expected);
    expect(explainsMisconfiguration({ ENVIRONMENT: "production" }, url)).toBe(false);
    expect(explainsMisconfiguration(undefined, url)).toBe(false);
  });
});
