import { describe, expect, it } from "vitest";
import { call, claimsOf, get, post, registerUser, STRONG_PASSWORD, unique } from "./helpers";

const SPA = "http://localhost:5173";
const COOKIE_MODE = { "X-Token-Transport": "cookie", Origin: SPA };

/** The __Host-refresh cookie a response sets: its value (empty when cleared) and attributes. */
function refreshCookie(res: Response): { value: string; attributes: string[] } | null {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("__Host-refresh="));
  if (!cookie) return null;
  const [pair, ...attributes] = cookie.split(/;\s*/);
  return { value: pair!.slice("__Host-refresh=".length), attributes };
}

/** A browser's request in cookie mode, sending the refresh cookie it holds. */
const withCookie = (path: string, refresh: string, headers: Record<string, string> = COOKIE_MODE) =>
  post(path, {}, { headers: { ...headers, Cookie: `__Host-refresh=${refresh}` } });

async function cookieLogin() {
  const user = await registerUser();
  const res = await post("/api/token/", { username: user.username, password: user.password }, { headers: COOKIE_MODE });
  expect(res.status).toBe(200);
  return { user, res, body: (await res.json()) as Record<string, string>, cookie: refreshCookie(res)! };
}

describe("refresh tokens in an HttpOnly cookie (X-Token-Transport: cookie)", () => {
  it("login sets __Host-refresh (HttpOnly, Secure, SameSite=Strict, Path=/, Max-Age = its lifetime) and leaves it out of the body", async () => {
    const { body, cookie } = await cookieLogin();
    expect(Object.keys(body)).toEqual(["access"]);
    expect(claimsOf(cookie.value).token_type).toBe("refresh");
    expect(cookie.attributes).toEqual(
      expect.arrayContaining(["Max-Age=86400", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"]),
    );
    expect(cookie.attributes.some((a) => a.startsWith("Domain"))).toBe(false);
  });

  it("bearer clients are unchanged: the refresh token in the body, no cookie", async () => {
    const user = await registerUser();
    const res = await post("/api/token/", { username: user.username, password: user.password });
    expect(Object.keys((await res.json()) as object)).toEqual(["refresh", "access"]);
    expect(refreshCookie(res)).toBeNull();
  });

  it("refresh reads the cookie, rotates it and answers only the access token", async () => {
    const { cookie } = await cookieLogin();
    const res = await withCookie("/api/token/refresh/", cookie.value);
    expect(res.status).toBe(200);
    expect(Object.keys((await res.json()) as object)).toEqual(["access"]);
    const next = refreshCookie(res)!;
    expect(next.value).not.toBe(cookie.value);
    // The rotated cookie is single-use like any refresh token.
    expect((await withCookie("/api/token/refresh/", cookie.value)).status).toBe(401);
    expect((await withCookie("/api/token/refresh/", next.value)).status).toBe(200);
  });

  it("refuses the cookie without the custom header or from an origin not on the allow-list: 403, the CSRF defence", async () => {
    const { cookie } = await cookieLogin();
    const cases: Record<string, string>[] = [
      {},
      { Origin: SPA },
      { "X-Token-Transport": "cookie" },
      { "X-Token-Transport": "cookie", Origin: "https://evil.example" },
      { "X-Token-Transport": "cookie", Origin: "null" },
    ];
    for (const headers of cases) {
      for (const path of ["/api/token/refresh/", "/api/token/blacklist/"]) {
        const res = await withCookie(path, cookie.value, headers);
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(((await res.json()) as { detail: string }).detail).toMatch(/^CSRF check failed/);
      }
    }
    // Nothing was used up: the cookie still refreshes.
    expect((await withCookie("/api/token/refresh/", cookie.value)).status).toBe(200);
  });

  it("a cross-site HTML form (a form body, the cookie, no custom header) cannot refresh or log out: 403", async () => {
    const { cookie } = await cookieLogin();
    // What a page on another site can make a browser send: a form post, urlencoded or multipart, with
    // whatever fields it likes but no header of its own; the browser adds the cookie (if SameSite let it).
    const forged = (path: string, body: string | FormData, contentType?: string) =>
      call("POST", path, body, {
        headers: {
          Origin: "https://evil.example",
          Cookie: `__Host-refresh=${cookie.value}`,
          ...(contentType && { "Content-Type": contentType }),
        },
      });
    const form = new FormData();
    form.append("next", "/");
    for (const path of ["/api/token/refresh/", "/api/token/blacklist/"]) {
      for (const res of [
        await forged(path, "", "application/x-www-form-urlencoded"),
        await forged(path, "refresh=", "application/x-www-form-urlencoded"),
        await forged(path, "next=%2F", "application/x-www-form-urlencoded"),
        await forged(path, form),
      ]) {
        expect(res.status, path).toBe(403);
        expect(((await res.json()) as { detail: string }).detail).toMatch(/^CSRF check failed/);
        expect(refreshCookie(res), path).toBeNull();
      }
      // A text/plain form is no body a parser takes.
      expect((await forged(path, "refresh=x", "text/plain")).status).toBe(415);
    }
    // Nothing was used up or revoked: the cookie still refreshes, from the SPA.
    expect((await withCookie("/api/token/refresh/", cookie.value)).status).toBe(200);
  });

  it("a malformed cookie is a 401, never a 500; no cookie and no body is DRF's 400", async () => {
    for (const value of ["garbage", "a.b.c", `${"x".repeat(500)}`]) {
      const res = await withCookie("/api/token/refresh/", value);
      expect([res.status, ((await res.json()) as { code?: string }).code]).toEqual([401, "token_not_valid"]);
    }
    const none = await post("/api/token/refresh/", {}, { headers: COOKIE_MODE });
    expect([none.status, await none.json()]).toEqual([400, { refresh: ["This field is required."] }]);
  });

  it("logout reads the cookie, ends the session and clears the cookie", async () => {
    const { cookie, body } = await cookieLogin();
    const res = await withCookie("/api/token/blacklist/", cookie.value);
    expect([res.status, await res.json()]).toEqual([200, {}]);
    const cleared = refreshCookie(res)!;
    expect(cleared.value).toBe("");
    expect(cleared.attributes).toContain("Max-Age=0");
    expect((await get("/api/users/me/", { token: body.access! })).status).toBe(401);
  });

  it("registration and password change hand the new refresh token over as the cookie too", async () => {
    const username = unique();
    const reg = await post(
      "/api/register/",
      { username, password: STRONG_PASSWORD, password_confirm: STRONG_PASSWORD },
      { headers: COOKIE_MODE },
    );
    expect(reg.status).toBe(201);
    const registered = (await reg.json()) as Record<string, string>;
    expect(Object.keys(registered)).toEqual(["user", "access"]);
    expect(refreshCookie(reg)).not.toBeNull();

    const change = await call(
      "POST",
      "/api/password/change/",
      {
        old_password: STRONG_PASSWORD,
        new_password: "another long passphrase",
        new_password_confirm: "another long passphrase",
      },
      { token: registered.access, headers: COOKIE_MODE },
    );
    expect(change.status).toBe(200);
    expect(Object.keys((await change.json()) as object)).toEqual(["detail", "access"]);
    expect((await withCookie("/api/token/refresh/", refreshCookie(change)!.value)).status).toBe(200);
  });

  it("CORS lets allowed origins send credentials, and no other origin", async () => {
    const preflight = await call("OPTIONS", "/api/token/refresh/", undefined, {
      headers: {
        Origin: SPA,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-token-transport,content-type",
      },
    });
    expect(preflight.headers.get("Access-Control-Allow-Credentials")).toBe("true");
    expect(preflight.headers.get("Access-Control-Allow-Headers")).toContain("X-Token-Transport");
    const foreign = await call("OPTIONS", "/api/token/refresh/", undefined, {
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    expect(foreign.headers.has("Access-Control-Allow-Credentials")).toBe(false);
    expect(foreign.headers.has("Access-Control-Allow-Origin")).toBe(false);
  });
});
