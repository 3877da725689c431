import { describe, expect, it } from "vitest";
import { BODY_LIMIT } from "../src/lib/request-body";
import {
  type CallOptions,
  call,
  createBook,
  post,
  registerUser,
  rowOf,
  STRONG_PASSWORD,
  staffUser,
  type TestUser,
  unique,
} from "./helpers";

// DRF's default parsers (JSON, FormParser, MultiPartParser) on every endpoint that validates a body, and
// DRF's HTML input: a form's values are text, read field by field (fields.py Field.get_value).

type Fields = Record<string, string | string[]>;

/** `fields` as a urlencoded body (a list: the key repeated), what `curl -d` sends. */
const urlencoded = (fields: Fields) =>
  new URLSearchParams(Object.entries(fields).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, x])))
    .toString()
    .replace(/%20/g, "+");

const sendForm = (method: string, path: string, fields: Fields, options: CallOptions = {}) =>
  call(method, path, urlencoded(fields), {
    ...options,
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...options.headers },
  });

/** A multipart body of `fields` (a Blob: a file part), what `curl -F` and a browser's FormData send. */
function multipart(fields: Record<string, string | Blob>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === "string") form.append(name, value);
    else form.append(name, value, "upload.txt");
  }
  return form;
}

const asUser = (user: TestUser): CallOptions => ({ token: user.access });

async function newTask(user: TestUser, fields: Record<string, unknown>) {
  const res = await post("/api/tasks/", { title: "Read", ...fields }, asUser(user));
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number; desc: string | null; completed: boolean };
}

describe("the parsers", () => {
  it("registers with form fields (curl -d) and with multipart (curl -F); text/plain is 415", async () => {
    const fields = { username: unique(), password: STRONG_PASSWORD, password_confirm: STRONG_PASSWORD };
    const form = await post("/api/register/", urlencoded({ ...fields, first_name: "Ivan Petrov" }), {
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(form.status, await form.clone().text()).toBe(201);
    expect(((await form.json()) as { user: object }).user).toMatchObject({
      username: fields.username,
      first_name: "Ivan Petrov",
    });

    const parts = { ...fields, username: unique() };
    const res = await call("POST", "/api/register/", multipart(parts));
    expect(res.status, await res.clone().text()).toBe(201);
    expect(((await res.json()) as { user: object }).user).toMatchObject({ username: parts.username });

    const text = await post("/api/register/", urlencoded({ ...fields, username: unique() }), {
      headers: { "Content-Type": "text/plain" },
    });
    expect([text.status, await text.json()]).toEqual([
      415,
      { detail: 'Unsupported media type "text/plain" in request.' },
    ]);
  });

  it("gives a form the messages JSON gets", async () => {
    const bad = { username: "two words", password: "short", password_confirm: "short", email: "nope" };
    const json = await post("/api/register/", bad);
    const form = await sendForm("POST", "/api/register/", bad);
    expect(form.status).toBe(400);
    expect(await form.json()).toEqual(await json.json());
    const empty = await sendForm("POST", "/api/register/", {});
    expect(await empty.json()).toEqual({
      username: ["This field is required."],
      password: ["This field is required."],
      password_confirm: ["This field is required."],
    });
  });

  it("reads an empty form body as an empty form, and an empty body of any type as {}", async () => {
    const user = await registerUser();
    for (const type of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"]) {
      const res = await call("POST", "/api/tasks/", "", { ...asUser(user), headers: { "Content-Type": type } });
      expect([res.status, await res.json()], type).toEqual([400, { title: ["This field is required."] }]);
    }
  });

  it("holds a form to the 64 KiB limit too, and answers a malformed multipart body with DRF's parse error", async () => {
    const user = await registerUser();
    const big = await sendForm("POST", "/api/tasks/", { title: "x".repeat(BODY_LIMIT) }, asUser(user));
    expect([big.status, await big.json()]).toEqual([413, { detail: "Request body is too large." }]);
    const bigParts = await call("POST", "/api/tasks/", multipart({ title: "x".repeat(BODY_LIMIT) }), asUser(user));
    expect(bigParts.status).toBe(413);
    const broken = await call("POST", "/api/tasks/", "garbage", {
      ...asUser(user),
      headers: { "Content-Type": "multipart/form-data; boundary=x" },
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { detail: string }).detail).toMatch(/^Multipart form parse error - /);
  });
});

describe("form values, as DRF's fields read them", () => {
  it("BooleanField: DRF's true and false words in any case; anything else is refused", async () => {
    const user = await registerUser();
    const cases: [string, boolean][] = [
      ["on", true],
      ["TRUE", true],
      ["Yes", true],
      ["1", true],
      ["off", false],
      ["False", false],
      ["n", false],
      ["0", false],
    ];
    for (const [text, completed] of cases) {
      const res = await sendForm("POST", "/api/tasks/", { title: "Read", completed: text }, asUser(user));
      expect([res.status, ((await res.json()) as { completed: boolean }).completed], text).toEqual([201, completed]);
    }
    const maybe = await sendForm("POST", "/api/tasks/", { title: "Read", completed: "maybe" }, asUser(user));
    expect([maybe.status, await maybe.json()]).toEqual([400, { completed: ["Must be a valid boolean."] }]);
  });

  it("an absent box is false on a full update (an unchecked checkbox), and absent on a partial one", async () => {
    const user = await registerUser();
    const task = await newTask(user, { completed: true, desc: "kept" });
    const patched = await sendForm("PATCH", `/api/tasks/${task.id}/`, { title: "Renamed" }, asUser(user));
    expect(await patched.json()).toMatchObject({ title: "Renamed", completed: true, desc: "kept" });
    // A blank box on PATCH is no value at all: BooleanField is not required, and "" is no boolean.
    const blank = await sendForm("PATCH", `/api/tasks/${task.id}/`, { completed: "" }, asUser(user));
    expect(await blank.json()).toMatchObject({ completed: true });
    const put = await sendForm("PUT", `/api/tasks/${task.id}/`, { title: "Replaced" }, asUser(user));
    expect(await put.json()).toMatchObject({ title: "Replaced", completed: false, desc: "kept" });
    expect(await rowOf("tasks", task.id)).toMatchObject({ completed: 0 });
  });

  it("an empty value: kept where blank is allowed, null where only null is, an error on a required field", async () => {
    const user = await registerUser();
    // Task.desc (null=True, blank=True) keeps "": DRF prefers blank to null when both are allowed.
    const task = await newTask(user, { desc: "something" });
    const cleared = await sendForm("PATCH", `/api/tasks/${task.id}/`, { desc: "" }, asUser(user));
    expect(await cleared.json()).toMatchObject({ desc: "" });
    // A required field stays required on PATCH: "" is blank, not absent.
    const title = await sendForm("PATCH", `/api/tasks/${task.id}/`, { title: "" }, asUser(user));
    expect([title.status, await title.json()]).toEqual([400, { title: ["This field may not be blank."] }]);
    // Book.isbn stores a blank as NULL; a blank date is a malformed date.
    const book = await createBook(user, { isbn: `97${Date.now()}`.slice(0, 13) });
    const isbn = await sendForm("PATCH", `/api/books/${book.id}/`, { isbn: "" }, asUser(user));
    expect(await isbn.json()).toMatchObject({ isbn: null });
    const date = await sendForm("PATCH", `/api/books/${book.id}/`, { published_date: "" }, asUser(user));
    expect(await date.json()).toEqual({
      published_date: ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
    });
  });

  it("a repeated key: its last value (QueryDict's [])", async () => {
    const user = await registerUser();
    const res = await sendForm(
      "POST",
      "/api/tasks/",
      { title: ["first", "last"], completed: ["on", "off"] },
      asUser(user),
    );
    expect(await res.json()).toMatchObject({ title: "last", completed: false });
  });

  it("staff PATCH of an account: a blank box changes nothing, a blank username is refused", async () => {
    const [staff, target] = [await staffUser(), await registerUser()];
    const patch = (fields: Fields) => sendForm("PATCH", `/api/users/${target.id}/`, fields, asUser(staff));
    expect(await (await patch({ is_active: "", first_name: "Ivan" })).json()).toMatchObject({
      is_active: true,
      first_name: "Ivan",
    });
    const blank = await patch({ username: "" });
    expect([blank.status, await blank.json()]).toEqual([400, { username: ["This field may not be blank."] }]);
    expect(await rowOf("users", target.id)).toMatchObject({ username: target.username, is_active: 1 });
  });

  it("multipart: a file where text is expected is no string; a file under no field's name is ignored", async () => {
    const user = await registerUser();
    const file = new Blob(["hello"], { type: "text/plain" });
    const asTitle = await call("POST", "/api/tasks/", multipart({ title: file }), asUser(user));
    expect([asTitle.status, await asTitle.json()]).toEqual([400, { title: ["Not a valid string."] }]);
    // EmailField's own "invalid" message, as for any value that is not text.
    const fields = { username: unique(), password: STRONG_PASSWORD, password_confirm: STRONG_PASSWORD, email: file };
    const asEmail = await call("POST", "/api/register/", multipart(fields));
    expect([asEmail.status, await asEmail.json()]).toEqual([400, { email: ["Enter a valid email address."] }]);
    const extra = await call("POST", "/api/tasks/", multipart({ title: "Read", attachment: file }), asUser(user));
    expect([extra.status, await extra.json()]).toEqual([201, expect.objectContaining({ title: "Read" })]);
  });
});
