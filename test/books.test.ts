import { describe, expect, it } from "vitest";
import {
  type BookJson,
  call,
  createBook,
  FORBIDDEN,
  get,
  post,
  postBook,
  registerUser,
  rowOf,
  type TestUser,
  UNAUTHENTICATED,
  unique,
  validBook,
} from "./helpers";
import { authenticationFailures, type Case, permissionMatrix, type World } from "./helpers/permission-matrix";

// Book creation is limited to 5 per user per day (BookCreateThrottle): no test creates more than
// 5 books (or attempts) with one user.

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const DATE_ERROR = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";
const NO_BOOK = { detail: "No Book matches the given query." };

const isbn13 = () => String(Math.floor(Math.random() * 1e13)).padStart(13, "0");

const listed = (body: unknown, w: World) => expect((body as BookJson[]).map((b) => b.id)).toContain(w.id);
const theBook = (body: unknown, w: World) =>
  expect(body).toMatchObject({ id: w.id, title: "Dune", owner: w.owner.id, owner_username: w.owner.username });
const ownedByCaller = (actor: "owner" | "other" | "staff") => (body: unknown, w: World) =>
  expect(body).toMatchObject({ title: "Neuromancer", owner: w[actor].id, owner_username: w[actor].username });
const updated = (body: unknown, w: World) => expect(body).toMatchObject({ id: w.id, title: "Dune Messiah" });

const books = {
  base: "/api/books/",
  table: "books",
  seed: async (owner: TestUser) => (await createBook(owner)).id,
  bodies: {
    create: validBook({ title: "Neuromancer" }),
    update: validBook({ title: "Dune Messiah", published_date: "1969-10-15" }),
    partial_update: { title: "Dune Messiah" },
  },
  isDeleted: (row: unknown) => row === null,
};

// IsAuthenticatedOrReadOnly + IsOwnerOrReadOnly: staff get no special rights over others' books.
const matrix: Case[] = [
  ["anonymous", "list", 200, listed],
  ["anonymous", "create", 401, UNAUTHENTICATED],
  ["anonymous", "retrieve", 200, theBook],
  ["anonymous", "update", 401, UNAUTHENTICATED],
  ["anonymous", "partial_update", 401, UNAUTHENTICATED],
  ["anonymous", "delete", 401, UNAUTHENTICATED],
  ["owner", "list", 200, listed],
  ["owner", "create", 201, ownedByCaller("owner")],
  ["owner", "retrieve", 200, theBook],
  ["owner", "update", 200, updated],
  ["owner", "partial_update", 200, updated],
  ["owner", "delete", 204],
  ["other", "list", 200, listed],
  ["other", "create", 201, ownedByCaller("other")],
  ["other", "retrieve", 200, theBook],
  ["other", "update", 403, FORBIDDEN],
  ["other", "partial_update", 403, FORBIDDEN],
  ["other", "delete", 403, FORBIDDEN],
  ["staff", "list", 200, listed],
  ["staff", "create", 201, ownedByCaller("staff")],
  ["staff", "retrieve", 200, theBook],
  ["staff", "update", 403, FORBIDDEN],
  ["staff", "partial_update", 403, FORBIDDEN],
  ["staff", "delete", 403, FORBIDDEN],
];

permissionMatrix("books", books, matrix);
authenticationFailures("books", "/api/books/");

describe("books: representation", () => {
  it("create answers 201 with every field, timestamps in ISO 8601 UTC", async () => {
    const user = await registerUser();
    const book = await createBook(user, { isbn: "9780441013593", description: "Spice." });
    expect(book).toEqual({
      id: expect.any(Number),
      title: "Dune",
      author: "Frank Herbert",
      published_date: "1965-08-01",
      isbn: "9780441013593",
      description: "Spice.",
      owner: user.id,
      owner_username: user.username,
      created_at: expect.stringMatching(ISO_UTC),
      updated_at: expect.stringMatching(ISO_UTC),
    });
    expect((await get(`/api/books/${book.id}/`)).status).toBe(200);
  });

  it("optional fields default: no isbn is null, no description is blank", async () => {
    const book = await createBook(await registerUser());
    expect(book).toMatchObject({ isbn: null, description: "" });
  });

  it("the list is a plain JSON array, newest first", async () => {
    const user = await registerUser();
    const first = await createBook(user, { title: "First" });
    const second = await createBook(user, { title: "Second" });
    const res = await get("/api/books/");
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as BookJson[]).map((b) => b.id);
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));
    expect(ids.indexOf(first.id)).toBeGreaterThanOrEqual(0);
  });

  it("read-only fields in a body are ignored, on create and on update", async () => {
    const [user, victim] = await Promise.all([registerUser(), registerUser()]);
    const sneaky = {
      id: 999_999,
      owner: victim.id,
      owner_username: victim.username,
      created_at: "2000-01-01T00:00:00Z",
    };
    const book = await createBook(user, sneaky);
    expect(book).toMatchObject({ owner: user.id, owner_username: user.username });
    expect(book.id).not.toBe(999_999);
    expect(book.created_at).not.toBe("2000-01-01T00:00:00.000Z");

    const res = await call("PATCH", `/api/books/${book.id}/`, { ...sneaky, title: "Mine" }, { token: user.access });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: book.id, title: "Mine", owner: user.id });
    expect(await rowOf("books", book.id)).toMatchObject({ owner_id: user.id, title: "Mine" });
    expect(await rowOf("books", 999_999)).toBeNull();
  });

  it("DELETE answers 204 with no body and no Content-Type; the book is gone", async () => {
    const user = await registerUser();
    const book = await createBook(user);
    const res = await call("DELETE", `/api/books/${book.id}/`, undefined, { token: user.access });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(res.headers.get("Content-Type")).toBeNull();
    expect(await get(`/api/books/${book.id}/`).then((r) => r.json())).toEqual(NO_BOOK);
  });
});

describe("books: updates", () => {
  it("PUT is a full update: required fields must be present", async () => {
    const user = await registerUser();
    const book = await createBook(user);
    const res = await call("PUT", `/api/books/${book.id}/`, { title: "Only a title" }, { token: user.access });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      author: ["This field is required."],
      published_date: ["This field is required."],
    });
    expect(await rowOf("books", book.id)).toMatchObject({ title: "Dune" });
  });

  it("PUT leaves an omitted optional field as it was; PATCH changes only what it names", async () => {
    const user = await registerUser();
    const book = await createBook(user, { description: "Spice.", isbn: isbn13() });
    const put = await call("PUT", `/api/books/${book.id}/`, validBook({ author: "F. Herbert" }), {
      token: user.access,
    });
    expect(await put.json()).toMatchObject({ author: "F. Herbert", description: "Spice.", isbn: book.isbn });
    const patch = await call("PATCH", `/api/books/${book.id}/`, { description: "" }, { token: user.access });
    expect(await patch.json()).toMatchObject({ title: "Dune", author: "F. Herbert", description: "", isbn: book.isbn });
  });

  it("a missing book is 404 before any permission check, and a non-numeric id is DRF's bare 404", async () => {
    const stranger = await registerUser();
    const res = await call("PUT", "/api/books/987654321/", validBook(), { token: stranger.access });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual(NO_BOOK);
    expect(await get("/api/books/abc/").then((r) => r.json())).toEqual({ detail: "Not found." });
  });

  it("someone else's book is 403 even with a bad body: the permission check comes before validation", async () => {
    const [owner, stranger] = await Promise.all([registerUser(), registerUser()]);
    const book = await createBook(owner);
    const res = await call("PATCH", `/api/books/${book.id}/`, { published_date: "never" }, { token: stranger.access });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual(FORBIDDEN);
  });
});

describe("books: validation", () => {
  const cases: [string, Record<string, unknown>, Record<string, string[]>][] = [
    ["blank title", { title: "   " }, { title: ["This field may not be blank."] }],
    ["title over 200", { title: "x".repeat(201) }, { title: ["Ensure this field has no more than 200 characters."] }],
    [
      "author over 100",
      { author: "x".repeat(101) },
      { author: ["Ensure this field has no more than 100 characters."] },
    ],
    ["isbn over 13", { isbn: "1".repeat(14) }, { isbn: ["Ensure this field has no more than 13 characters."] }],
    ["title not a string", { title: ["Dune"] }, { title: ["Not a valid string."] }],
    ["null description", { description: null }, { description: ["This field may not be null."] }],
    ["null date", { published_date: null }, { published_date: ["This field may not be null."] }],
    ["day-first date", { published_date: "01/08/1965" }, { published_date: [DATE_ERROR] }],
    ["impossible date", { published_date: "2024-02-30" }, { published_date: [DATE_ERROR] }],
    ["month 13", { published_date: "2024-13-01" }, { published_date: [DATE_ERROR] }],
    ["date as a number", { published_date: 19650801 }, { published_date: [DATE_ERROR] }],
    ["datetime for a date", { published_date: "1965-08-01T00:00:00Z" }, { published_date: [DATE_ERROR] }],
  ];

  it.each(cases)("%s → 400 with DRF's message, nothing stored", async (_, fields, errors) => {
    const user = await registerUser();
    const title = unique("title");
    const res = await postBook(user, { title, ...fields });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(errors);
    const rows = await get("/api/books/").then((r) => r.json() as Promise<BookJson[]>);
    expect(rows.filter((b) => b.owner === user.id)).toEqual([]);
  });

  it("accepts what DRF accepts: one-digit month and day, a leap day, a number as a title", async () => {
    const user = await registerUser();
    expect(await createBook(user, { published_date: "1965-8-1" })).toMatchObject({ published_date: "1965-08-01" });
    expect(await createBook(user, { published_date: "2024-02-29" })).toMatchObject({ published_date: "2024-02-29" });
    expect(await createBook(user, { title: 1984 })).toMatchObject({ title: "1984" });
  });

  it("an empty or missing body lists every required field", async () => {
    const user = await registerUser();
    const res = await post("/api/books/", undefined, { token: user.access });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      title: ["This field is required."],
      author: ["This field is required."],
      published_date: ["This field is required."],
    });
  });
});

describe("books: unique isbn", () => {
  const taken = { isbn: ["book with this isbn already exists."] };

  it("a second book with the same isbn is 400, on create and on update; its own isbn is fine", async () => {
    const [a, b] = await Promise.all([registerUser(), registerUser()]);
    const isbn = isbn13();
    const first = await createBook(a, { isbn });
    const dup = await postBook(b, { isbn });
    expect(dup.status).toBe(400);
    expect(await dup.json()).toEqual(taken);

    const other = await createBook(b);
    const clash = await call("PATCH", `/api/books/${other.id}/`, { isbn }, { token: b.access });
    expect(clash.status).toBe(400);
    expect(await clash.json()).toEqual(taken);
    expect(await rowOf("books", other.id)).toMatchObject({ isbn: null });

    const same = await call("PUT", `/api/books/${first.id}/`, validBook({ isbn }), { token: a.access });
    expect(same.status).toBe(200);
  });

  it("books without an isbn never collide (blank is stored as null)", async () => {
    const user = await registerUser();
    expect(await createBook(user, { isbn: "" })).toMatchObject({ isbn: null });
    expect(await createBook(user, { isbn: "" })).toMatchObject({ isbn: null });
  });

  it("concurrent creates with one isbn: exactly one 201, the rest the same 400, one row", async () => {
    for (let round = 0; round < 5; round++) {
      const users = await Promise.all([registerUser(), registerUser(), registerUser(), registerUser()]);
      const isbn = isbn13();
      const responses = await Promise.all(users.map((u) => postBook(u, { isbn })));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 400, 400, 400]);
      for (const res of responses.filter((r) => r.status === 400)) expect(await res.json()).toEqual(taken);
      const rows = (await get("/api/books/").then((r) => r.json())) as BookJson[];
      expect(rows.filter((b) => b.isbn === isbn)).toHaveLength(1);
    }
  });
});

describe("books: methods and media types", () => {
  it("PUT on the list is 405 with Allow; every response carries Allow", async () => {
    const user = await registerUser();
    const res = await call("PUT", "/api/books/", validBook(), { token: user.access });
    expect(res.status).toBe(405);
    expect(await res.json()).toEqual({ detail: 'Method "PUT" not allowed.' });
    expect(res.headers.get("Allow")).toBe("GET, POST, HEAD, OPTIONS");
    const book = await createBook(user);
    expect((await get(`/api/books/${book.id}/`)).headers.get("Allow")).toBe("GET, PUT, PATCH, DELETE, HEAD, OPTIONS");
  });

  it("a body neither JSON nor a form is 415; malformed JSON is 400", async () => {
    const user = await registerUser();
    const text = await call("POST", "/api/books/", "title=Dune", {
      token: user.access,
      headers: { "Content-Type": "text/plain" },
    });
    expect(text.status).toBe(415);
    expect(await text.json()).toEqual({ detail: 'Unsupported media type "text/plain" in request.' });
    const broken = await call("POST", "/api/books/", "{", { token: user.access });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { detail: string }).detail).toMatch(/^JSON parse error - /);
  });
});
