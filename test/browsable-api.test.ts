import { describe, expect, it } from "vitest";
import { BROWSABLE_CSP } from "../src/lib/browsable-page";
import { type CallOptions, call, countRows, get, post, randomIp, registerUser, unique } from "./helpers";
import { asBrowser, browse, isHtml, parsePage } from "./helpers/browsable";
import { serviceLimits } from "./helpers/throttle";

const varyOf = (res: Response) => (res.headers.get("Vary") ?? "").split(/,\s*/);

async function createBook(token: string, fields: Record<string, unknown> = {}) {
  const book = { title: "Dune", author: "Frank Herbert", published_date: "1965-08-01", ...fields };
  const res = await post("/api/books/", book, { token });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: number };
}

describe("content negotiation", () => {
  it("answers HTML to a browser's Accept and to ?format=api, with the page's own CSP and Vary: Accept", async () => {
    for (const res of [await browse("/api/books/"), await get("/api/books/?format=api")]) {
      expect(res.status).toBe(200);
      expect(isHtml(res)).toBe(true);
      expect(res.headers.get("Content-Security-Policy")).toBe(BROWSABLE_CSP);
      expect(res.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(res.headers.get("X-Frame-Options")).toBe("DENY");
      expect(res.headers.get("Allow")).toBe("GET, POST, HEAD, OPTIONS");
      expect(await res.text()).toMatch(/^<!doctype html>/);
    }
    expect(varyOf(await browse("/api/books/"))).toContain("Accept");
  });

  it("keeps today's JSON byte for byte for ?format=json, Accept: application/json, */* and no Accept", async () => {
    const user = await registerUser();
    await createBook(user.access, { title: "Negotiated" });
    const plain = await get("/api/books/");
    const expected = await plain.text();
    expect(expected).toContain('"title":"Negotiated"');
    const variants = {
      "?format=json from a browser": await browse("/api/books/?format=json"),
      "Accept: application/json": await get("/api/books/", { headers: { Accept: "application/json" } }),
      "Accept: */*": await get("/api/books/", { headers: { Accept: "*/*" } }),
      "JSON preferred over HTML": await get("/api/books/", { headers: { Accept: "application/json, text/html" } }),
      "an Accept of neither": await get("/api/books/", { headers: { Accept: "image/png" } }),
    };
    for (const [name, res] of Object.entries(variants)) {
      expect(res.status, name).toBe(200);
      expect(res.headers.get("Content-Type"), name).toBe("application/json");
      expect(res.headers.get("Content-Security-Policy"), name).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(await res.text(), name).toBe(expected);
    }
    // The answer varies with Accept, unless the URL decides.
    expect(varyOf(plain)).toContain("Accept");
    expect(varyOf(variants["?format=json from a browser"])).not.toContain("Accept");
  });

  it("leaves what is not JSON alone: the docs page, a 204, a CORS preflight", async () => {
    const user = await registerUser();
    const book = await createBook(user.access);
    const docs = await browse("/api/docs/");
    expect(docs.headers.get("Content-Security-Policy")).toContain("img-src 'self' data:");
    expect(await docs.text()).toContain('data-url="/api/schema/"');
    const deleted = await call("DELETE", `/api/books/${book.id}/`, undefined, asBrowser({ token: user.access }));
    expect(deleted.status).toBe(204);
    expect(deleted.headers.has("Content-Type")).toBe(false);
    expect(await deleted.text()).toBe("");
    const preflight = await call(
      "OPTIONS",
      "/api/books/",
      undefined,
      asBrowser({ headers: { Origin: "http://localhost:5173", "Access-Control-Request-Method": "POST" } }),
    );
    expect(preflight.status).toBe(204);
    expect(await preflight.text()).toBe("");
  });

  it("answers HEAD with the page's headers and no body", async () => {
    const res = await call("HEAD", "/api/books/", undefined, asBrowser());
    expect(res.status).toBe(200);
    expect(isHtml(res)).toBe(true);
    expect(await res.text()).toBe("");
  });
});

describe("the page", () => {
  it("names the view, lists its methods, and shows the request, the status, the headers and the body", async () => {
    const user = await registerUser();
    await createBook(user.access, { title: "Shown" });
    const res = await browse("/api/books/");
    const html = await res.clone().text();
    const page = await parsePage(res);
    expect(page.h1).toBe("Every book");
    expect(html).toContain("<b>Allow:</b> GET, POST, HEAD, OPTIONS");
    expect(page.exchange).toContain("GET /api/books/");
    expect(page.exchange).toContain("HTTP 200 OK");
    // The headers a JSON client gets, Content-Type included, and the request id.
    expect(page.exchange).toContain("content-type: application/json");
    expect(page.exchange).toMatch(/x-request-id: [0-9a-f-]{36}/);
    expect(page.exchange).toContain('"title": "Shown"');
    // DRF's raw data form for POST, from the validator's fields.
    expect(html).toMatch(/<button name="method" value="POST">POST<\/button>/);
    expect(JSON.parse(page.textarea)).toEqual({
      title: "",
      author: "",
      published_date: null,
      isbn: "",
      description: "",
    });
    // Its code and styles are files of the origin, nothing inline.
    expect(page.scripts).toEqual(["/api/browsable/browsable-api.js"]);
    expect(page.inline).toBe(0);
    expect(html).toContain('<link rel="stylesheet" href="/api/browsable/browsable-api.css">');
  });

  it("offers an object's owner PUT and PATCH from its values, and DELETE", async () => {
    const user = await registerUser();
    const book = await createBook(user.access, { title: "Editable", description: "Yes." });
    const html = await (await browse(`/api/books/${book.id}/`)).text();
    expect(html).toContain('data-method="DELETE"');
    expect(html).toContain('value="PUT">PUT</button>');
    expect(html).toContain('value="PATCH">PATCH</button>');
    const page = await parsePage(await browse(`/api/books/${book.id}/`));
    expect(JSON.parse(page.textarea)).toEqual({
      title: "Editable",
      author: "Frank Herbert",
      published_date: "1965-08-01",
      isbn: null,
      description: "Yes.",
    });
  });

  it("describes a view whose GET it is not: the description's code spans, no GET link", async () => {
    const res = await browse("/api/token/");
    expect(res.status).toBe(405);
    const html = await res.clone().text();
    expect((await parsePage(res)).h1).toBe("Log in: a new access and refresh token");
    expect(html).toContain("By <code>username</code> or <code>email</code>.");
    expect(html).not.toContain("GET as JSON");
    const list = await (await browse("/api/books/?format=api&x=1")).text();
    expect(list).toContain('<a class="button" href="/api/books/?format=json&amp;x=1">GET as JSON</a>');
  });

  it("shows a bodiless action as a button, and names the media types it cannot send", async () => {
    const user = await registerUser();
    const avatar = await (await browse("/api/profiles/me/avatar/", { token: user.access })).text();
    expect(avatar).toContain("PUT takes image/*, multipart/form-data: this page does not send those bodies.");
    expect(avatar).toContain('data-method="DELETE"');
    const task = (await (await post("/api/tasks/", { title: "t" }, { token: user.access })).json()) as { id: number };
    const restore = await (await browse(`/api/tasks/${task.id}/restore/`, { token: user.access })).text();
    expect(restore).toContain('data-method="POST"');
    expect(restore).not.toContain('id="raw-data"');
  });

  it("renders a write sent as the page's script sends it: the 201 and the new object", async () => {
    const user = await registerUser();
    const book = { title: "Posted", author: "A. Page", published_date: "2020-01-01" };
    const res = await post("/api/books/", book, { token: user.access, headers: { Accept: "text/html" } });
    expect(res.status).toBe(201);
    expect(isHtml(res)).toBe(true);
    const page = await parsePage(res);
    expect(page.exchange).toContain("POST /api/books/");
    expect(page.exchange).toContain("HTTP 201 Created");
    expect(page.exchange).toContain('"title": "Posted"');
  });

  it("answers OPTIONS with DRF's metadata, which names both renderers", async () => {
    const json = await call("OPTIONS", "/api/books/");
    expect(await json.json()).toEqual({
      renders: ["application/json", "text/html"],
      parses: ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
    });
    const page = await parsePage(await call("OPTIONS", "/api/books/", undefined, asBrowser()));
    expect(page.exchange).toContain('"renders": [');
  });
});

describe("escaping", () => {
  it("shows a title of markup as text, in the body and in the form, and nothing but the page's script runs", async () => {
    const user = await registerUser();
    const title = "<script>alert(1)</script></textarea><img src=x onerror=alert(2)>";
    const book = await createBook(user.access, { title, author: `"'><b>&amp;` });
    for (const path of ["/api/books/", `/api/books/${book.id}/`]) {
      const res = await browse(path, { token: user.access });
      const html = await res.clone().text();
      expect(html, path).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&lt;/textarea&gt;&lt;img");
      expect(html, path).not.toContain("<script>alert");
      const page = await parsePage(res);
      expect(page.scripts, path).toEqual(["/api/browsable/browsable-api.js"]);
      expect(page.elements, path).not.toContain("img");
      expect(page.inline, path).toBe(0);
      expect(page.exchange, path).toContain(JSON.stringify(title).slice(1, -1));
      expect(page.exchange, path).toContain(`"author": "\\"'><b>&amp;"`);
    }
    const detail = await parsePage(await browse(`/api/books/${book.id}/`, { token: user.access }));
    expect(JSON.parse(detail.textarea).title).toBe(title);
  });

  it("links the API's own URLs only: never javascript:, never another origin", async () => {
    const root = await parsePage(await browse("/api/"));
    expect(root.links).toContain("http://api.test/api/books/");
    const user = await registerUser();
    await createBook(user.access, { title: "javascript:alert(1)", description: "https://evil.example/phish" });
    await createBook(user.access, {
      title: "JAVASCRIPT://api.test/%0aalert(1)",
      description: 'http://api.test/api/books/"><script>alert(3)</script>',
    });
    const res = await browse("/api/books/");
    const html = await res.clone().text();
    const page = await parsePage(res);
    expect(page.links.filter((href) => !href.startsWith("http://api.test/"))).toEqual([]);
    expect(page.links).toContain("http://api.test/api/books/%22%3E%3Cscript%3Ealert(3)%3C/script%3E");
    expect(html).not.toMatch(/href="(javascript|https:\/\/evil)/i);
    expect(page.scripts).toEqual(["/api/browsable/browsable-api.js"]);
  });
});

describe("the status, permissions and throttles are the API's", () => {
  it("keeps 401, 403, 404, 405 and 429 with their headers", async () => {
    const user = await registerUser();
    const pages = {
      401: await browse("/api/users/me/"),
      403: await browse("/api/users/", { token: user.access }),
      404: await browse("/api/nothing/"),
      405: await call("PUT", "/api/register/", undefined, asBrowser()),
    };
    for (const [status, res] of Object.entries(pages)) {
      expect(res.status).toBe(Number(status));
      expect(isHtml(res), status).toBe(true);
    }
    expect(pages[401].headers.get("WWW-Authenticate")).toBe('Bearer realm="api"');
    expect((await parsePage(pages[401])).exchange).toContain("Authentication credentials were not provided.");
    expect(pages[405].headers.get("Allow")).toBe("POST, OPTIONS");
    expect((await parsePage(pages[405])).h1).toBe("Create an account");
    expect((await parsePage(pages[404])).h1).toBe("Not Found");

    const username = unique();
    const guesses = [];
    for (let i = 0; i < 11; i++) {
      guesses.push(await post("/api/token/", { username, password: "wrong" }, asBrowser({ ip: randomIp() })));
    }
    const throttled = guesses.at(-1)!;
    expect(guesses.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(401));
    expect(throttled.status).toBe(429);
    expect(isHtml(throttled)).toBe(true);
    expect(throttled.headers.get("Retry-After")).toMatch(/^\d+$/);
  });

  it("counts a page in the throttles exactly as a JSON request", async () => {
    const ip = randomIp();
    const remaining = async (options: CallOptions) =>
      serviceLimits(await get("/api/books/", { ...options, ip })).anon?.r;
    const counts = [
      await remaining({}),
      await remaining(asBrowser()),
      await remaining({ headers: { Accept: "application/json" } }),
      await remaining(asBrowser()),
    ];
    expect(counts).toEqual([99, 98, 97, 96]);
  });

  it("refuses an anonymous write as for JSON, and writes nothing", async () => {
    const before = await countRows("books");
    const book = { title: "Anonymous", author: "A.", published_date: "2020-01-01" };
    const res = await post("/api/books/", book, asBrowser());
    expect(res.status).toBe(401);
    expect(isHtml(res)).toBe(true);
    expect(await countRows("books")).toBe(before);
  });
});
