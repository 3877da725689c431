import { describe, expect, it } from "vitest";
import { call, createBook, post, registerUser, rowOf, type TestUser } from "./helpers";
import { browse, type Control, formBody, htmlFormsOf, parsePage } from "./helpers/browsable";

// DRF's HTML form in the browsable API: one labelled input per field for POST and PUT, beside the raw
// data form, sent by the page's script as a browser posts a form (urlencoded).

type TaskJson = Record<string, unknown> & { id: number };

async function createTask(user: TestUser, fields: Record<string, unknown>): Promise<TaskJson> {
  const res = await post("/api/tasks/", fields, { token: user.access });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

/** The one HTML form of a page, by its id. */
async function formOf(path: string, id: string, user?: TestUser) {
  const forms = await htmlFormsOf(await browse(path, { token: user?.access }));
  expect([...forms.keys()], path).toEqual([id]);
  return forms.get(id)!;
}

const byName = (controls: readonly Control[]) => Object.fromEntries(controls.map((c) => [c.name, c]));

/** A form sent as the page's script sends it: urlencoded, with the bearer token, asking for JSON here to compare. */
const sendForm = (method: string, path: string, body: URLSearchParams, user: TestUser) =>
  call(method, path, body.toString(), {
    token: user.access,
    headers: { "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8" },
  });

/** An answer without what differs between two writes of the same fields. */
const written = async (res: Response) => {
  const { id: _, created_at: __, updated_at: ___, ...fields } = (await res.json()) as TaskJson;
  return fields;
};

describe("the HTML form", () => {
  it("offers a list's POST a form of its fields: labelled inputs of their types, the required marked, raw data a tab away", async () => {
    const res = await browse("/api/books/");
    const html = await res.clone().text();
    const form = await formOf("/api/books/", "post-form");
    expect(form.method).toBe("POST");
    expect(
      form.controls.map(({ name, type, required, label, value }) => ({ name, type, required, label, value })),
    ).toEqual([
      { name: "title", type: "text", required: true, label: "Title", value: "" },
      { name: "author", type: "text", required: true, label: "Author", value: "" },
      { name: "published_date", type: "date", required: true, label: "Published date", value: "" },
      { name: "isbn", type: "text", required: false, label: "Isbn", value: "" },
      { name: "description", type: "text", required: false, label: "Description", value: "" },
    ]);
    expect(html).toContain(
      '<button type="button" role="tab" id="tab-html-forms" aria-controls="html-forms" aria-selected="true">HTML form</button>',
    );
    expect(html).toContain('aria-controls="raw-data" aria-selected="false" tabindex="-1">Raw data</button>');
    expect(html).toContain(
      '<form id="raw-data" class="raw-data" method="post" role="tabpanel" aria-labelledby="tab-raw-data" hidden>',
    );
    expect(html).toContain('<form id="post-form" class="html-form" method="post" data-method="POST" novalidate>');
    const page = await parsePage(res);
    expect(JSON.parse(page.textarea)).toMatchObject({ title: "", published_date: null });
    expect(page.inline).toBe(0);
  });

  it("fills a detail's PUT form from the object, every value escaped; PATCH stays in raw data", async () => {
    const user = await registerUser();
    const title = "<script>alert(1)</script>";
    const author = `"'><b onclick=x>&amp;`;
    const book = await createBook(user, { title, author, description: "Kept." });
    const path = `/api/books/${book.id}/`;
    const res = await browse(path, { token: user.access });
    const html = await res.clone().text();
    const { method, controls } = await formOf(path, "put-form", user);
    expect(method).toBe("PUT");
    expect(Object.fromEntries(controls.map((c) => [c.name, c.value]))).toEqual({
      title,
      author,
      published_date: "1965-08-01",
      isbn: "",
      description: "Kept.",
    });
    expect(html).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html).toContain('value="&quot;&#39;&gt;&lt;b onclick=x&gt;&amp;amp;"');
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain('id="patch-form"');
    expect(html).toContain('<button name="method" value="PATCH">PATCH</button>');
    const page = await parsePage(await browse(path, { token: user.access }));
    expect(page.inline).toBe(0);
    expect(page.scripts).toEqual(["/api/browsable/browsable-api.js"]);
  });

  it("types each field by its kind: a checkbox, email, url, password (never filled), help text", async () => {
    const user = await registerUser();
    const task = byName((await formOf("/api/tasks/", "post-form", user)).controls);
    expect(task.completed).toMatchObject({ type: "checkbox", value: "true", checked: false, required: false });
    expect(task.desc).toMatchObject({ type: "text", required: false, label: "Desc" });

    const register = byName((await formOf("/api/register/", "post-form")).controls);
    expect(register.username).toMatchObject({ type: "text", required: true });
    expect(register.email).toMatchObject({ type: "email", required: false });
    for (const name of ["password", "password_confirm"]) {
      expect(register[name]).toMatchObject({
        type: "password",
        value: null,
        required: true,
        autocomplete: "new-password",
      });
    }

    const profile = (await (
      await post("/api/profiles/", { website: "https://a.example/" }, { token: user.access })
    ).json()) as TaskJson;
    const fields = byName((await formOf(`/api/profiles/${profile.id}/`, "put-form", user)).controls);
    expect(fields.website).toMatchObject({ type: "url", value: "https://a.example/" });
    expect(fields.email).toMatchObject({ type: "email", value: "" });

    const login = byName((await formOf("/api/token/", "post-form")).controls);
    expect(login.email).toMatchObject({ type: "text", required: false, help: "In place of username." });
    expect(login.password).toMatchObject({ type: "password", value: null });
    expect(await (await browse("/api/token/")).text()).toContain(
      '<small id="post-email-help" class="help">In place of <code>username</code>.</small>',
    );
  });

  it("is not offered where no body is validated, nor for PATCH alone", async () => {
    const user = await registerUser();
    const task = await createTask(user, { title: "t" });
    await post("/api/profiles/", {}, { token: user.access });
    for (const path of [`/api/tasks/${task.id}/restore/`, "/api/profiles/me/avatar/", "/api/profiles/me/"]) {
      const html = await (await browse(path, { token: user.access })).text();
      expect(html, path).not.toContain('class="html-form"');
      expect(html, path).not.toContain('role="tablist"');
    }
    // The profile's own page takes PATCH only: DRF's raw data form, shown, without tabs.
    const me = await (await browse("/api/profiles/me/", { token: user.access })).text();
    expect(me).toContain('<form id="raw-data" class="raw-data" method="post">');
    expect(me).toContain('<button name="method" value="PATCH">PATCH</button>');
  });
});

describe("the HTML form, sent as the page's script sends it", () => {
  it("POST: urlencoded, it creates what the same JSON creates; a checked box is true", async () => {
    const user = await registerUser();
    const { controls } = await formOf("/api/tasks/", "post-form", user);
    const body = formBody(controls, { title: "By form", desc: "Typed", completed: true });
    expect(body.toString()).toBe("title=By+form&desc=Typed&completed=true");
    const byForm = await sendForm("POST", "/api/tasks/", body, user);
    expect(byForm.status).toBe(201);
    const byJson = await post(
      "/api/tasks/",
      { title: "By form", desc: "Typed", completed: true },
      { token: user.access },
    );
    expect(await written(byForm)).toEqual(await written(byJson));
  });

  it("PUT: an unchecked box is false, as DRF reads a full form; JSON that leaves the field out keeps it", async () => {
    const user = await registerUser();
    const [task, twin] = [
      await createTask(user, { title: "Done", completed: true }),
      await createTask(user, { title: "Done", completed: true }),
    ];
    const path = `/api/tasks/${task.id}/`;
    const { controls } = await formOf(path, "put-form", user);
    expect(byName(controls).completed).toMatchObject({ checked: true, value: "true" });
    const body = formBody(controls, { title: "Undone", completed: false });
    expect(body.toString()).toBe("title=Undone&desc=");
    const byForm = await sendForm("PUT", path, body, user);
    expect(byForm.status).toBe(200);
    const changed = await written(byForm);
    expect(changed).toMatchObject({ title: "Undone", desc: "", completed: false });
    expect(await rowOf("tasks", task.id)).toMatchObject({ title: "Undone", completed: 0 });
    const json = { title: "Undone", desc: "", completed: false };
    expect(await written(await call("PUT", `/api/tasks/${twin.id}/`, json, { token: user.access }))).toEqual(changed);
    // The same form with the box left checked keeps it true; JSON without the field keeps it too.
    expect(await written(await sendForm("PUT", path, formBody(controls), user))).toMatchObject({ completed: true });
    const omitted = await call("PUT", path, { title: "Omitted" }, { token: user.access });
    expect(await written(omitted)).toMatchObject({ completed: true });
  });

  it("PUT: a book's form sent back unchanged leaves the book as it was", async () => {
    const user = await registerUser();
    const book = await createBook(user, { title: "<i>Same</i>", description: "" });
    const path = `/api/books/${book.id}/`;
    const { controls } = await formOf(path, "put-form", user);
    const res = await sendForm("PUT", path, formBody(controls), user);
    expect(res.status, await res.clone().text()).toBe(200);
    const { updated_at: _, ...after } = (await res.json()) as Record<string, unknown>;
    const { updated_at: __, ...before } = book;
    expect(after).toEqual(before);
  });
});
