import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, get, post, preflight, randomIp, registerUser, SPA } from "./helpers";
import { captureLog, type LogLine } from "./helpers/log-lines";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RAY = "8f3c2a1b0d9e7f65-CDG";

/** A D1 binding that fails as a bug makes it fail (a migration not applied), not as an outage. */
const buggyDatabase = () => {
  const fail = () => {
    throw new Error("D1_ERROR: no such column: books.internal_notes: SQLITE_ERROR");
  };
  return { prepare: fail, batch: fail, exec: fail, dump: fail, withSession: fail } as unknown as D1Database;
};

/** The one access line logged for the request that got `res`. */
function accessLine(lines: LogLine[], res: Response): LogLine {
  const id = res.headers.get("X-Request-Id");
  const matching = lines.filter((line) => line.event === "request" && line.request_id === id);
  expect(matching, `access lines for ${id}`).toHaveLength(1);
  return matching[0]!;
}

describe("X-Request-Id", () => {
  it("is on a success, every kind of error and a preflight", async () => {
    const ip = randomIp();
    const oneAnonymousRequest = { ...(env.DEFAULT_THROTTLE_RATES as Record<string, string | null>), anon: "1/hour" };
    const bindings = { DEFAULT_THROTTLE_RATES: oneAnonymousRequest };
    const error = captureLog("error");
    const responses: Record<string, Response> = {
      200: await get("/api/books/"),
      404: await get("/api/no-such-thing/"),
      401: await get("/api/users/me/"),
      "first of 1/hour": await get("/api/books/", { ip, bindings }),
      429: await get("/api/books/", { ip, bindings }),
      500: await get("/api/books/", { bindings: { DB: buggyDatabase() } }),
      preflight: await preflight("/api/tasks/"),
    };
    for (const [name, res] of Object.entries(responses)) {
      if (/^\d+$/.test(name)) expect(res.status, name).toBe(Number(name));
      expect(res.headers.get("X-Request-Id"), name).toMatch(UUID);
    }
    expect(responses.preflight!.status).toBe(204);
    expect(error.lines()).toHaveLength(1);
  });

  it("is Cloudflare's Ray ID when the request has one, on errors and preflights too", async () => {
    for (const res of [
      await get("/api/books/", { headers: { "cf-ray": RAY } }),
      await get("/api/users/me/", { headers: { "cf-ray": RAY } }),
      await preflight("/api/books/", "POST", SPA, { "cf-ray": RAY }),
    ]) {
      expect(res.headers.get("X-Request-Id")).toBe(RAY);
    }
  });

  it("is fresh for every request without one, and for a cf-ray that is not an id", async () => {
    const ids = await Promise.all(
      Array.from({ length: 5 }, async () => (await get("/api/books/")).headers.get("X-Request-Id")),
    );
    expect(new Set(ids).size).toBe(5);
    for (const ray of ["x".repeat(65), "a b", "<script>"]) {
      const res = await get("/api/books/", { headers: { "cf-ray": ray } });
      expect(res.headers.get("X-Request-Id")).toMatch(UUID);
    }
  });

  it("is readable by scripts on allowed origins", async () => {
    const res = await get("/api/books/", { headers: { Origin: SPA } });
    expect(res.headers.get("Access-Control-Expose-Headers")?.split(",")).toContain("X-Request-Id");
  });
});

describe("the access log", () => {
  it("is one JSON line per request: id, method, route pattern, path, status and duration", async () => {
    const user = await registerUser();
    const created = await post("/api/tasks/", { title: "Log me" }, { token: user.access });
    const { id } = (await created.json()) as { id: number };
    const info = captureLog("info");
    const res = await get(`/api/tasks/${id}/`, { token: user.access, headers: { "cf-ray": RAY } });
    expect(res.status).toBe(200);
    expect(info.spy).toHaveBeenCalledTimes(1);
    const line = accessLine(info.lines(), res);
    expect(line).toEqual({
      event: "request",
      request_id: RAY,
      method: "GET",
      route: "/api/tasks/:id{[0-9]+}/",
      path: `/api/tasks/${id}/`,
      status: 200,
      duration_ms: expect.any(Number),
    });
    expect(line.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it("logs refusals with the route they were refused on, and requests no route took with route null", async () => {
    const info = captureLog("info");
    const refused = await get("/api/tasks/12/");
    const unknown = await get("/api/tasks/twelve/");
    const options = await preflight("/api/tasks/12/");
    const lines = info.lines();
    expect(accessLine(lines, refused)).toMatchObject({
      route: "/api/tasks/:id{[0-9]+}/",
      path: "/api/tasks/12/",
      status: 401,
    });
    expect(accessLine(lines, unknown)).toMatchObject({ route: null, path: "/api/tasks/twelve/", status: 404 });
    expect(accessLine(lines, options)).toMatchObject({ method: "OPTIONS", route: null, status: 204 });
  });
});

describe("an unhandled error", () => {
  it("is logged with the request id, its name, message and stack; the client learns nothing of it", async () => {
    const error = captureLog("error");
    const info = captureLog("info");
    const res = await get("/api/books/", { bindings: { DB: buggyDatabase() } });
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ detail: "A server error occurred." });
    expect(body).not.toMatch(/D1_ERROR|SQLITE|internal_notes|\bat \w|\.ts\b/);

    const id = res.headers.get("X-Request-Id");
    const [line] = error.lines();
    expect(line).toMatchObject({
      event: "unhandled_error",
      request_id: id,
      method: "GET",
      path: "/api/books/",
      error: { name: "Error", message: expect.stringContaining("no such column: books.internal_notes") },
    });
    expect(line!.error!.stack).toMatch(/^Error: D1_ERROR: no such column[\s\S]*\n\s+at /);
    expect(accessLine(info.lines(), res)).toMatchObject({ status: 500, route: "/api/books/" });
  });

  it("logs a failing dependency as unavailable, with what it wrapped", async () => {
    const error = captureLog("error");
    const res = await call("GET", "/api/books/", undefined, {
      bindings: {
        DB: {
          withSession: () => {
            throw new Error("D1_ERROR: Network connection lost.");
          },
        } as unknown as D1Database,
      },
    });
    expect(res.status).toBe(503);
    expect(error.lines()).toContainEqual(
      expect.objectContaining({
        event: "unavailable",
        request_id: res.headers.get("X-Request-Id"),
        service: "database",
        error: expect.objectContaining({
          cause: expect.objectContaining({ message: "D1_ERROR: Network connection lost." }),
        }),
      }),
    );
  });
});
