import { describe, expect, it } from "vitest";
import { call, countRows, post, unique } from "./helpers";

describe("DRF's error shapes", () => {
  it("answers an unknown route with a JSON 404", async () => {
    const res = await call("GET", "/api/no-such-thing/");
    expect(res.status).toBe(404);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ detail: "Not found." });
  });

  it("answers a method the route lacks with 405 and Allow", async () => {
    for (const method of ["PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"]) {
      const res = await call(method, "/api/register/");
      expect(res.status).toBe(405);
      expect(res.headers.get("Allow")).toBe("POST, OPTIONS");
      expect(await res.json()).toEqual({ detail: `Method "${method}" not allowed.` });
    }
  });

  it("puts Allow on every response of a route, errors included", async () => {
    const res = await post("/api/register/", {});
    expect(res.status).toBe(400);
    expect(res.headers.get("Allow")).toBe("POST, OPTIONS");
    expect((await call("GET", "/api/users/me/")).headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
  });

  it("answers OPTIONS on a route with 200 and Allow", async () => {
    const res = await call("OPTIONS", "/api/register/");
    expect(res.status).toBe(200);
    expect(res.headers.get("Allow")).toBe("POST, OPTIONS");
  });

  it("answers malformed JSON with DRF's parse error", async () => {
    const res = await post("/api/register/", '{"username": ');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { detail: string };
    expect(body.detail).toMatch(/^JSON parse error - /);
    expect(Object.keys(body)).toEqual(["detail"]);
  });

  it("answers JSON that is not an object with a non-field error", async () => {
    for (const [payload, type] of [
      ["[1, 2]", "list"],
      ['"text"', "str"],
      ["3", "int"],
      ["null", "NoneType"],
    ]) {
      const res = await post("/api/register/", payload);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${type}.`] });
    }
  });

  it("answers a body of a media type DRF's parsers do not take with 415", async () => {
    const res = await post("/api/register/", "<username>x</username>", {
      headers: { "Content-Type": "application/xml; charset=utf-8" },
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({
      detail: 'Unsupported media type "application/xml; charset=utf-8" in request.',
    });
    const plain = await post("/api/token/", '{"username":"a","password":"b"}', {
      headers: { "Content-Type": "text/plain" },
    });
    expect(plain.status).toBe(415);
  });

  it("accepts a charset parameter on the JSON media type", async () => {
    const res = await post(
      "/api/token/",
      { username: unique(), password: "whatever it is" },
      {
        headers: { "Content-Type": "application/json; charset=utf-8" },
      },
    );
    expect(res.status).toBe(401);
  });

  it("answers a body over 64 KiB with 413 and writes nothing", async () => {
    const before = await countRows("users");
    const big = JSON.stringify({ username: unique(), password: "p".repeat(70 * 1024) });
    const res = await post("/api/register/", big);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ detail: "Request body is too large." });
    expect(await countRows("users")).toBe(before);
  });

  it("answers a chunked body over the limit with 413 too", async () => {
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const chunked = await call("POST", "/api/register/", body, { headers: { "Content-Type": "application/json" } });
    expect(chunked.status).toBe(413);
  });

  it("never answers bad input with a 500 or a stack trace", async () => {
    const inputs: [string, string, string?][] = [
      ["POST", "/api/register/", "\u0000"],
      ["POST", "/api/token/", '{"username": {"$gt": ""}, "password": ["x"]}'],
      ["POST", "/api/token/verify/", '{"token": 12}'],
      ["GET", "/api/users/me/%E0%A4%A"],
      ["POST", "/api/register/", `{"username": "${"\\ud800"}", "password": "a"}`],
    ];
    for (const [method, path, body] of inputs) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      const text = await res.text();
      expect(text).not.toMatch(/at .*\.(ts|js):\d+|Error:/);
    }
  });
});
