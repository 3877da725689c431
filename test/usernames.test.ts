import { describe, expect, it } from "vitest";
import { call, get, login, post, registerUser, rowOf, STRONG_PASSWORD, staffUser, unique } from "./helpers";

const TAKEN = { username: ["A user with that username already exists."] };

const register = (username: string) =>
  post("/api/register/", { username, password: STRONG_PASSWORD, password_confirm: STRONG_PASSWORD });

/** The fullwidth form of an ASCII name (ａｌｉｃｅ for alice): NFKC-equal to it. */
const fullwidth = (text: string) => Array.from(text, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)).join("");

describe("one username, one person", () => {
  it("normalises with NFKC on registration, as Django does: a fullwidth name is stored as plain letters", async () => {
    const name = unique("wide");
    const res = await register(fullwidth(name));
    expect(res.status).toBe(201);
    expect(((await res.json()) as { user: { username: string } }).user.username).toBe(name);
  });

  it("refuses a name that differs from a taken one only in case or width", async () => {
    const { username } = await registerUser({ username: unique("alice") });
    for (const variant of [
      username.toUpperCase(),
      fullwidth(username),
      `${username[0]!.toUpperCase()}${username.slice(1)}`,
    ]) {
      const res = await register(variant);
      expect([res.status, await res.json()], variant).toEqual([400, TAKEN]);
    }
  });

  it("refuses the second of two concurrent registrations that differ only in case", async () => {
    const name = unique("race");
    const results = await Promise.all([register(name), register(name.toUpperCase())]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 400]);
  });

  it("logs in whatever the case or width the name is typed in, into the one account", async () => {
    const user = await registerUser({ username: unique("Bob") });
    for (const typed of [user.username.toLowerCase(), user.username.toUpperCase(), fullwidth(user.username)]) {
      const { access } = await login(typed, user.password);
      expect(((await (await get("/api/users/me/", { token: access })).json()) as { id: number }).id).toBe(user.id);
    }
  });

  it("normalises and checks admin edits too", async () => {
    const [admin, target, taken] = await Promise.all([staffUser(), registerUser(), registerUser()]);
    const before = await rowOf("users", target.id);
    const clash = await call(
      "PATCH",
      `/api/users/${target.id}/`,
      { username: taken.username.toUpperCase() },
      { token: admin.access },
    );
    expect([clash.status, await clash.json()]).toEqual([400, TAKEN]);
    expect(await rowOf("users", target.id)).toEqual(before);

    const name = unique("renamed");
    const res = await call("PATCH", `/api/users/${target.id}/`, { username: fullwidth(name) }, { token: admin.access });
    expect(res.status).toBe(200);
    expect(await rowOf("users", target.id)).toMatchObject({ username: name, username_key: name.toLowerCase() });
    await login(name.toUpperCase(), target.password);
  });
});
