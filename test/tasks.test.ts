import { describe, expect, it } from "vitest";
import { call, get, post, registerUser, rowOf, type TestUser, UNAUTHENTICATED } from "./helpers";
import {
  authenticationFailures,
  type Case,
  DETAIL_ACTIONS,
  permissionMatrix,
  refusedFor,
  type World,
} from "./helpers/permission-matrix";

type TaskJson = Record<string, unknown> & { id: number };

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const NO_TASK = { detail: "No Task matches the given query." };

async function createTask(user: TestUser, fields: Record<string, unknown> = {}): Promise<TaskJson> {
  const res = await post("/api/tasks/", { title: "Write tests", ...fields }, { token: user.access });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

const ids = async (path: string, user: TestUser) => {
  const res = await get(path, { token: user.access });
  expect(res.status).toBe(200);
  return ((await res.json()) as TaskJson[]).map((t) => t.id);
};

const listed = (body: unknown, w: World) => expect((body as TaskJson[]).map((t) => t.id)).toEqual([w.id]);
const notListed = (body: unknown, w: World) => expect((body as TaskJson[]).map((t) => t.id)).not.toContain(w.id);
const theTask = (body: unknown, w: World) =>
  expect(body).toMatchObject({ id: w.id, title: "Write tests", owner: w.owner.id, owner_username: w.owner.username });
const ownedByCaller = (actor: "owner" | "other" | "staff") => (body: unknown, w: World) =>
  expect(body).toMatchObject({ title: "Ship it", completed: false, desc: null, owner: w[actor].id });
const updated = (body: unknown, w: World) => expect(body).toMatchObject({ id: w.id, title: "Rewrite tests" });

const tasks = {
  base: "/api/tasks/",
  table: "tasks",
  seed: async (owner: TestUser) => (await createTask(owner)).id,
  bodies: {
    create: { title: "Ship it" },
    update: { title: "Rewrite tests", desc: "all of them", completed: true },
    partial_update: { title: "Rewrite tests" },
  },
  // Soft delete: the row stays, marked.
  isDeleted: (row: Record<string, unknown> | null) => row !== null && row.deleted_at !== null,
};

// IsAuthenticated, and every query scoped to the caller: someone else's task is "not found" for
// everyone, staff included, with the very body a missing id gets.
const matrix: Case[] = [
  ...refusedFor("anonymous", 401, UNAUTHENTICATED),
  ["owner", "list", 200, listed],
  ["owner", "create", 201, ownedByCaller("owner")],
  ["owner", "retrieve", 200, theTask],
  ["owner", "update", 200, updated],
  ["owner", "partial_update", 200, updated],
  ["owner", "delete", 204],
  ["other", "list", 200, notListed],
  ["other", "create", 201, ownedByCaller("other")],
  ...refusedFor("other", 404, NO_TASK, DETAIL_ACTIONS),
  ["staff", "list", 200, notListed],
  ["staff", "create", 201, ownedByCaller("staff")],
  ...refusedFor("staff", 404, NO_TASK, DETAIL_ACTIONS),
];

permissionMatrix("tasks", tasks, matrix);
authenticationFailures("tasks", "/api/tasks/");

describe("tasks: representation and validation", () => {
  it("create answers 201 with defaults: completed false, desc null", async () => {
    const user = await registerUser();
    expect(await createTask(user)).toEqual({
      id: expect.any(Number),
      title: "Write tests",
      desc: null,
      completed: false,
      owner: user.id,
      owner_username: user.username,
      created_at: expect.stringMatching(ISO_UTC),
      updated_at: expect.stringMatching(ISO_UTC),
    });
  });

  it("the list holds only the caller's live tasks, newest first", async () => {
    const [user, stranger] = await Promise.all([registerUser(), registerUser()]);
    const first = await createTask(user);
    const second = await createTask(user);
    await createTask(stranger);
    expect(await ids("/api/tasks/", user)).toEqual([second.id, first.id]);
  });

  it("completed takes DRF's boolean spellings and refuses others", async () => {
    const user = await registerUser();
    expect(await createTask(user, { completed: "yes" })).toMatchObject({ completed: true });
    expect(await createTask(user, { completed: 0 })).toMatchObject({ completed: false });
    const res = await post("/api/tasks/", { title: "x", completed: "maybe" }, { token: user.access });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ completed: ["Must be a valid boolean."] });
  });

  it("title is required, not blank, at most 100 characters; desc may be null or blank", async () => {
    const user = await registerUser();
    const missing = await post("/api/tasks/", { desc: "no title" }, { token: user.access });
    expect(await missing.json()).toEqual({ title: ["This field is required."] });
    const long = await post("/api/tasks/", { title: "x".repeat(101) }, { token: user.access });
    expect(await long.json()).toEqual({ title: ["Ensure this field has no more than 100 characters."] });
    expect(await createTask(user, { desc: "" })).toMatchObject({ desc: "" });
    expect(await ids("/api/tasks/", user)).toHaveLength(1);
  });

  it("PUT needs the title; PATCH changes only what it names; owner and id in a body are ignored", async () => {
    const [user, victim] = await Promise.all([registerUser(), registerUser()]);
    const task = await createTask(user, { desc: "keep me" });
    const put = await call("PUT", `/api/tasks/${task.id}/`, { completed: true }, { token: user.access });
    expect(put.status).toBe(400);
    expect(await put.json()).toEqual({ title: ["This field is required."] });

    const patch = await call(
      "PATCH",
      `/api/tasks/${task.id}/`,
      { completed: true, owner: victim.id, id: 424242 },
      {
        token: user.access,
      },
    );
    expect(await patch.json()).toMatchObject({
      id: task.id,
      title: "Write tests",
      desc: "keep me",
      completed: true,
      owner: user.id,
    });
    expect(await rowOf("tasks", task.id)).toMatchObject({ owner_id: user.id, completed: 1 });
    expect(await ids("/api/tasks/", victim)).toEqual([]);
  });
});

describe("tasks: BOLA", () => {
  it("another user's task answers exactly like a missing one and is left untouched", async () => {
    const [owner, attacker] = await Promise.all([registerUser(), registerUser()]);
    const task = await createTask(owner);
    const before = await rowOf("tasks", task.id);
    const missing = 987_654_321;
    for (const [method, body] of [
      ["GET"],
      ["PUT", { title: "pwned" }],
      ["PATCH", { completed: true }],
      ["DELETE"],
    ] as const) {
      const theirs = await call(method, `/api/tasks/${task.id}/`, body, { token: attacker.access });
      const nobody = await call(method, `/api/tasks/${missing}/`, body, { token: attacker.access });
      expect([theirs.status, await theirs.text()]).toEqual([nobody.status, await nobody.text()]);
      expect(theirs.status).toBe(404);
    }
    const restore = await post(`/api/tasks/${task.id}/restore/`, undefined, { token: attacker.access });
    expect(restore.status).toBe(404);
    expect(await restore.json()).toEqual(NO_TASK);
    expect(await rowOf("tasks", task.id)).toEqual(before);
  });
});

describe("tasks: soft delete, trash and restore", () => {
  it("DELETE moves the task to the trash: hidden everywhere else, the row kept", async () => {
    const user = await registerUser();
    const task = await createTask(user);
    const res = await call("DELETE", `/api/tasks/${task.id}/`, undefined, { token: user.access });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");

    expect(await ids("/api/tasks/", user)).toEqual([]);
    expect(await ids("/api/tasks/trash/", user)).toEqual([task.id]);
    expect((await rowOf("tasks", task.id))?.deleted_at).toEqual(expect.any(Number));
    for (const method of ["GET", "PATCH", "DELETE"]) {
      const again = await call(method, `/api/tasks/${task.id}/`, method === "PATCH" ? { title: "x" } : undefined, {
        token: user.access,
      });
      expect([again.status, await again.json()]).toEqual([404, NO_TASK]);
    }
  });

  it("restore brings it back, as it was; restoring a live task changes nothing", async () => {
    const user = await registerUser();
    const task = await createTask(user, { desc: "d", completed: true });
    await call("DELETE", `/api/tasks/${task.id}/`, undefined, { token: user.access });

    const res = await post(`/api/tasks/${task.id}/restore/`, undefined, { token: user.access });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: task.id, title: "Write tests", desc: "d", completed: true });
    expect(await ids("/api/tasks/", user)).toEqual([task.id]);
    expect(await ids("/api/tasks/trash/", user)).toEqual([]);
    expect((await rowOf("tasks", task.id))?.deleted_at).toBeNull();

    const live = await rowOf("tasks", task.id);
    const again = await post(`/api/tasks/${task.id}/restore/`, undefined, { token: user.access });
    expect(again.status).toBe(200);
    expect(await rowOf("tasks", task.id)).toEqual(live);
  });

  it("restore of a task that never existed is 404", async () => {
    const user = await registerUser();
    const res = await post("/api/tasks/987654321/restore/", undefined, { token: user.access });
    expect([res.status, await res.json()]).toEqual([404, NO_TASK]);
  });

  it("the trash holds only the caller's deleted tasks, and needs authentication", async () => {
    const [user, stranger] = await Promise.all([registerUser(), registerUser()]);
    const mine = await createTask(user);
    const theirs = await createTask(stranger);
    await call("DELETE", `/api/tasks/${mine.id}/`, undefined, { token: user.access });
    await call("DELETE", `/api/tasks/${theirs.id}/`, undefined, { token: stranger.access });
    expect(await ids("/api/tasks/trash/", user)).toEqual([mine.id]);
    const anonymous = await get("/api/tasks/trash/");
    expect([anonymous.status, await anonymous.json()]).toEqual([401, UNAUTHENTICATED]);
  });

  it("trash/ and restore/ are routes of their own: they take only their methods", async () => {
    const user = await registerUser();
    const trash = await call("DELETE", "/api/tasks/trash/", undefined, { token: user.access });
    expect(trash.status).toBe(405);
    expect(trash.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
    const task = await createTask(user);
    const restore = await get(`/api/tasks/${task.id}/restore/`, { token: user.access });
    expect(restore.status).toBe(405);
    expect(restore.headers.get("Allow")).toBe("POST, OPTIONS");
  });
});
