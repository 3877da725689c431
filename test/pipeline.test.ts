import { describe, expect, it } from "vitest";
import { call, FORBIDDEN, get, post, randomIp, registerUser, staffUser, UNAUTHENTICATED } from "./helpers";
import { recordingD1 } from "./helpers/d1-recorder";
import { loggedHits, serviceLimits } from "./helpers/throttle";

const METADATA = {
  renders: ["application/json", "text/html"],
  parses: ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
};
const notAllowed = (method: string) => ({ detail: `Method "${method}" not allowed.` });

describe("DRF's pipeline for OPTIONS and methods a view lacks: authentication → permissions → throttles", () => {
  it("OPTIONS needs what the view needs: anonymous 401 where a user is required, 403 for non-staff on staff views", async () => {
    const user = await registerUser();
    const options = (path: string, token?: string) => call("OPTIONS", path, undefined, { token });
    const cases: [string, string | undefined, number, unknown][] = [
      ["/api/tasks/", undefined, 401, UNAUTHENTICATED],
      ["/api/tasks/", user.access, 200, METADATA],
      ["/api/books/", undefined, 200, METADATA],
      ["/api/users/", user.access, 403, FORBIDDEN],
      ["/api/users/me/", undefined, 401, UNAUTHENTICATED],
    ];
    for (const [path, token, status, body] of cases) {
      const res = await options(path, token);
      expect([res.status, await res.json()], `OPTIONS ${path}`).toEqual([status, body]);
      expect(res.headers.get("Allow")).toBeTruthy();
    }
  });

  it("OPTIONS with a bad token is 401, as every other method", async () => {
    const res = await call("OPTIONS", "/api/books/", undefined, { token: "not.a.token" });
    expect(res.status).toBe(401);
  });

  it("a method the view lacks is 401/403 before it is 405: permissions first, as DRF orders it", async () => {
    const user = await registerUser();
    const staff = await staffUser();
    const cases: [string, string, string | undefined, number, unknown][] = [
      ["PUT", "/api/books/", undefined, 401, UNAUTHENTICATED],
      ["PUT", "/api/books/", user.access, 405, notAllowed("PUT")],
      ["DELETE", "/api/users/", undefined, 401, UNAUTHENTICATED],
      ["DELETE", "/api/users/", user.access, 403, FORBIDDEN],
      ["DELETE", "/api/users/", staff.access, 405, notAllowed("DELETE")],
      ["GET", "/api/register/", undefined, 405, notAllowed("GET")],
    ];
    for (const [method, path, token, status, body] of cases) {
      const res = await call(method, path, undefined, { token });
      expect([res.status, await res.json()], `${method} ${path}`).toEqual([status, body]);
    }
  });

  it("the throttles count OPTIONS and 405s as DRF's do, and refuse them when the quota is spent", async () => {
    const ip = randomIp();
    const first = await call("OPTIONS", "/api/books/", undefined, { ip });
    expect(serviceLimits(first).anon).toEqual({ r: 99, t: 3600 });
    const wrong = await call("PUT", "/api/register/", undefined, { ip });
    expect(wrong.status).toBe(405);
    expect(serviceLimits(wrong).anon).toEqual({ r: 98, t: 3600 });
    expect((await loggedHits(`ip:${ip}`, "anon")).count).toBe(2);

    const user = await registerUser();
    await Promise.all(Array.from({ length: 60 }, () => get("/api/users/me/", { token: user.access })));
    const refused = await call("OPTIONS", "/api/users/me/", undefined, { token: user.access });
    expect(refused.status).toBe(429);
  });

  it("a refused OPTIONS (anonymous on a user's view) never reaches D1 or the limiter", async () => {
    const d1 = recordingD1();
    const res = await call("OPTIONS", "/api/tasks/", undefined, { bindings: { DB: d1.binding } });
    expect(res.status).toBe(401);
    expect(d1.calls()).toEqual([]);
    expect(res.headers.has("RateLimit")).toBe(false);
  });
});

describe("caching", () => {
  it("no-store on every response to a request with credentials, and Vary: Authorization, Origin", async () => {
    const user = await registerUser();
    const auth = { token: user.access, headers: { Origin: "http://localhost:5173" } };
    const responses = [
      await get("/api/tasks/", auth),
      await get("/api/books/", auth),
      await get("/api/users/me/", auth),
      await get("/api/tasks/999999/", auth),
      await get("/api/users/", auth),
      await get("/api/books/", { token: "not.a.token" }),
    ];
    for (const res of responses) {
      expect(res.headers.get("Cache-Control"), `${res.status}`).toBe("no-store");
      const vary = (res.headers.get("Vary") ?? "").split(/,\s*/);
      expect(vary).toEqual(expect.arrayContaining(["Authorization", "Origin"]));
    }
  });

  it("leaves anonymous public reads cacheable by the client's rules, but says they vary on Authorization", async () => {
    const res = await get("/api/books/");
    expect(res.headers.has("Cache-Control")).toBe(false);
    expect(res.headers.get("Vary")).toContain("Authorization");
  });

  it("no-store on every token-endpoint response, errors included", async () => {
    const user = await registerUser();
    const responses = [
      await post("/api/token/", { username: user.username, password: user.password }),
      await post("/api/token/", { username: user.username, password: "wrong" }),
      await post("/api/token/refresh/", { refresh: "bad" }),
      await post("/api/token/verify/", {}),
    ];
    for (const res of responses) expect(res.headers.get("Cache-Control"), `${res.status}`).toBe("no-store");
  });
});
