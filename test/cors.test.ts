import { describe, expect, it } from "vitest";
import { allowedOrigins } from "../src/lib/allowed-origins";
import { ConfigurationError } from "../src/lib/config";
import { call, get, post, preflight, randomIp, registerUser, SPA, unique } from "./helpers";

// wrangler.toml's local default: CORS_ALLOWED_ORIGINS = "http://localhost:5173,http://localhost:8787" (SPA is the first).
const EXPOSED = "Retry-After,RateLimit,RateLimit-Policy,x-d1-bookmark,X-Request-Id";

const fromOrigin = (origin: string, method = "GET", path = "/api/books/", token?: string) =>
  call(method, path, undefined, { headers: { Origin: origin }, token });

const varyOf = (res: Response) => (res.headers.get("Vary") ?? "").split(/,\s*/);

describe("CORS: an allowed origin", () => {
  it("gets its own origin echoed back, Vary: Origin, the exposed headers and credentials allowed", async () => {
    for (const origin of [SPA, "http://localhost:8787"]) {
      const res = await fromOrigin(origin);
      expect(res.status).toBe(200);
      expect(res.headers.get("Access-Control-Allow-Origin")).toBe(origin);
      expect(varyOf(res)).toContain("Origin");
      expect(res.headers.get("Access-Control-Expose-Headers")).toBe(EXPOSED);
      expect(res.headers.get("Access-Control-Allow-Credentials")).toBe("true");
    }
  });

  it("can read errors too: 401, 404, 405 and a throttled 429 with its Retry-After", async () => {
    expect((await fromOrigin(SPA, "GET", "/api/users/me/")).headers.get("Access-Control-Allow-Origin")).toBe(SPA);
    expect((await fromOrigin(SPA, "GET", "/api/nothing-here/")).headers.get("Access-Control-Allow-Origin")).toBe(SPA);
    expect((await fromOrigin(SPA, "PUT", "/api/register/")).headers.get("Access-Control-Allow-Origin")).toBe(SPA);

    // The login throttle: 10 failed logins per username, then 429.
    const username = unique();
    const attempt = () =>
      post("/api/token/", { username, password: "wrong" }, { ip: randomIp(), headers: { Origin: SPA } });
    for (let i = 0; i < 10; i++) expect((await attempt()).status).toBe(401);
    const throttled = await attempt();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("Access-Control-Allow-Origin")).toBe(SPA);
    expect(throttled.headers.get("Access-Control-Expose-Headers")).toBe(EXPOSED);
    expect(Number(throttled.headers.get("Retry-After"))).toBeGreaterThan(0);
  });
});

describe("CORS: any other origin gets no Access-Control-Allow-Origin at all", () => {
  const refused = [
    "https://evil.example",
    "null", // sandboxed iframes and file: pages send this; anyone can
    "https://localhost:5173", // wrong scheme
    "http://localhost:5173.evil.com", // suffix
    "http://evil.localhost:5173", // prefix
    "http://localhost:51730", // longer port
    "http://localhost", // no port
    "http://localhost:5173/", // not an origin
    "http://LOCALHOST:5173", // browsers send lowercase; compared exactly
    "http://localhost:5173, https://evil.example",
    "*",
    "",
  ];
  it.each(refused)("%j", async (origin) => {
    for (const res of [await fromOrigin(origin), await preflight("/api/books/", "POST", origin)]) {
      expect(res.headers.has("Access-Control-Allow-Origin")).toBe(false);
      expect(res.headers.has("Access-Control-Allow-Credentials")).toBe(false);
      // Caches must not hand this answer to an allowed origin, or the other way round.
      expect(varyOf(res)).toContain("Origin");
    }
  });

  it("is still served: CORS only stops the browser from reading the answer", async () => {
    const res = await fromOrigin("https://evil.example");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expect.any(Array));
  });
});

describe("CORS preflight", () => {
  it("answers 204 with the path's methods, the allowed headers and a max-age", async () => {
    const res = await preflight("/api/tasks/", "POST");
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe(SPA);
    expect(res.headers.get("Access-Control-Allow-Methods")).toBe("GET,POST,HEAD,OPTIONS");
    expect(res.headers.get("Access-Control-Allow-Headers")).toBe(
      "Authorization,Content-Type,x-d1-bookmark,X-Token-Transport",
    );
    expect(res.headers.get("Access-Control-Max-Age")).toBe("7200");
    expect(res.headers.get("Access-Control-Allow-Credentials")).toBe("true");
    expect(varyOf(res)).toContain("Origin");

    const detail = await preflight("/api/books/7/", "DELETE");
    expect(detail.headers.get("Access-Control-Allow-Methods")).toBe("GET,PUT,PATCH,DELETE,HEAD,OPTIONS");
  });

  it("is not stopped by authentication: no token, or a bad one, on a route that needs a user", async () => {
    for (const headers of [{}, { Authorization: "Bearer not-a-token" }] as Record<string, string>[]) {
      const res = await preflight("/api/users/me/", "GET", SPA, headers);
      expect(res.status).toBe(204);
      expect(res.headers.get("Access-Control-Allow-Origin")).toBe(SPA);
    }
  });

  it("is not a 405 for a method the path lacks: the browser refuses it from Allow-Methods", async () => {
    const res = await preflight("/api/register/", "DELETE");
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Methods")).toBe("POST,OPTIONS");
  });

  it("is not counted by the throttles", async () => {
    const ip = randomIp();
    for (let i = 0; i < 3; i++) {
      const res = await call("OPTIONS", "/api/books/", undefined, {
        ip,
        headers: { Origin: SPA, "Access-Control-Request-Method": "GET" },
      });
      expect(res.status).toBe(204);
      expect(res.headers.has("RateLimit")).toBe(false);
    }
    const first = await get("/api/books/", { ip });
    expect(first.headers.get("RateLimit")).toContain('"anon";r=99;');
  });

  it("leaves DRF's OPTIONS metadata request (no Access-Control-Request-Method) to the API", async () => {
    const res = await call("OPTIONS", "/api/register/", undefined, { headers: { Origin: SPA } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Allow")).toBe("POST, OPTIONS");
    expect(await res.json()).toEqual({
      renders: ["application/json", "text/html"],
      parses: ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
    });
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe(SPA);
    expect(varyOf(res)).toContain("Origin");
  });

  it("lets a logged-in browser client through end to end", async () => {
    const user = await registerUser();
    const res = await fromOrigin(SPA, "GET", "/api/users/me/", user.access);
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe(SPA);
  });
});

describe("CORS_ALLOWED_ORIGINS", () => {
  const parse = (value: string | undefined) => [...allowedOrigins({ CORS_ALLOWED_ORIGINS: value } as unknown as Env)];

  it("is a comma-separated list of exact origins; unset or empty allows none", () => {
    expect(parse("https://app.example.com, https://admin.example.com:8443")).toEqual([
      "https://app.example.com",
      "https://admin.example.com:8443",
    ]);
    expect(parse(undefined)).toEqual([]);
    expect(parse("")).toEqual([]);
  });

  it.each([
    ["https://app.example.com/", "is not an origin"],
    ["*", "is a wildcard"],
    ["null", "is not an origin"],
    ["app.example.com", "is not an origin"],
    ["https://*.example.com", "is a wildcard"],
    ["HTTPS://App.Example.com", "is not an origin"],
    ["ftp://files.example.com", "is not an origin"],
  ])("refuses %j with a message naming it", (value, message) => {
    expect(() => parse(value)).toThrow(ConfigurationError);
    expect(() => parse(value)).toThrow(`CORS_ALLOWED_ORIGINS: "${value}" ${message}`);
  });

  it("misconfigured, answers 500 without saying more than that", async () => {
    const bindings = { CORS_ALLOWED_ORIGINS: "https://app.example.com/" };
    const res = await get("/api/books/", { headers: { Origin: SPA }, bindings });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ detail: "The server is misconfigured." });
  });
});
