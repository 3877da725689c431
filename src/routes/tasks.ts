import { and, desc, eq, isNotNull, isNull, type Placeholder, sql } from "drizzle-orm";
import { Hono } from "hono";
import { type Database, preparedQuery } from "../db/client";
import { type Task, tasks, touched, users } from "../db/schema";
import type { AppEnv } from "../env";
import { notFound } from "../lib/errors";
import { getObject } from "../middleware/get-object";
import { IsAuthenticated } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { validateJson } from "../middleware/validate";
import { created, describe, listOf, noContent, ok } from "../openapi/describe";
import { lookupId } from "../schemas/fields";
import { serializeTask, type TaskInput, taskBody, taskPatch, taskResponse } from "../schemas/tasks";

type TaskRow = { task: Task; ownerUsername: string };

const taskNotFound = () => notFound("Task");

/**
 * The caller's live (or, for the trash, deleted) tasks. The owner is part of every query, so another
 * user's task is not found — the same 404 as an id that never existed, never a 403.
 */
const ownTasks = (ownerId: number | Placeholder, deleted: boolean) =>
  and(eq(tasks.ownerId, ownerId), deleted ? isNotNull(tasks.deletedAt) : isNull(tasks.deletedAt));

const ownTask = (ownerId: number | Placeholder, id: number | Placeholder, deleted = false) =>
  and(eq(tasks.id, id), ownTasks(ownerId, deleted));

/** A non-numeric id cannot reach here (route pattern); one beyond any row is simply not found. */
const taskId = (param: string | undefined) => {
  const id = lookupId(param);
  if (id === null) throw taskNotFound();
  return id;
};

// With the owner's username, which the serializer shows: reads need nothing from the caller's account.
const withOwner = (db: Database) =>
  db.select({ task: tasks, ownerUsername: users.username }).from(tasks).innerJoin(users, eq(users.id, tasks.ownerId));

// The task list is the hottest authenticated read: its queries are built once per isolate.
const listQuery = (deleted: boolean) =>
  preparedQuery((db: Database) =>
    withOwner(db)
      .where(ownTasks(sql.placeholder("ownerId"), deleted))
      .orderBy(desc(tasks.createdAt), desc(tasks.id))
      .prepare(),
  );
export const LIST_QUERIES = { live: listQuery(false), trash: listQuery(true) };
const oneTask = preparedQuery((db: Database) =>
  withOwner(db)
    .where(ownTask(sql.placeholder("ownerId"), sql.placeholder("id")))
    .prepare(),
);

const taskObject = getObject<TaskRow>(
  (c, id) => (id === null ? Promise.resolve(undefined) : oneTask.get(c.var.db, { ownerId: c.var.caller.userId, id })),
  taskNotFound,
);

async function listOwnTasks(db: Database, ownerId: number, deleted: boolean) {
  const rows = await LIST_QUERIES[deleted ? "trash" : "live"].all(db, { ownerId });
  return rows.map((r) => serializeTask(r.task, r.ownerUsername));
}

/** The update itself re-checks owner and trash state: the task may have been deleted since the lookup. */
async function updateTask(db: Database, { task: { id, ownerId }, ownerUsername }: TaskRow, values: TaskInput) {
  const [task] = await db.update(tasks).set(touched(values)).where(ownTask(ownerId, id)).returning();
  if (!task) throw taskNotFound();
  return serializeTask(task, ownerUsername);
}

/** The tutorial's TaskViewSet: private to its owner; DELETE moves a task to the trash. */
export const taskRoutes = new Hono<AppEnv>()
  .get(
    "/",
    describe({
      tag: "tasks",
      summary: "The caller's tasks",
      description: "Only the caller's own, and none in the trash. Not paginated.",
      responses: ok("Newest first.", listOf(taskResponse)),
    }),
    permit([IsAuthenticated]),
    async (c) => c.json(await listOwnTasks(c.var.db, c.var.caller.userId, false)),
  )
  .post(
    "/",
    describe({
      tag: "tasks",
      summary: "Add a task",
      description: "The caller owns it: an `owner` in the body is ignored.",
      responses: created("The new task.", taskResponse),
    }),
    permit([IsAuthenticated]),
    validateJson(taskBody),
    async (c) => {
      const { db, caller } = c.var;
      const [task] = await db
        .insert(tasks)
        .values({ ...c.req.valid("json"), ownerId: caller.userId })
        .returning();
      return c.json(serializeTask(task!, (await c.var.user).username), 201);
    },
  )
  .get(
    "/trash/",
    describe({
      tag: "tasks",
      summary: "The caller's deleted tasks",
      description:
        "The daily purge deletes a task for good once it has been in the trash 30 days (`TRASH_RETENTION_DAYS`).",
      responses: ok("Newest first.", listOf(taskResponse)),
    }),
    permit([IsAuthenticated]),
    async (c) => c.json(await listOwnTasks(c.var.db, c.var.caller.userId, true)),
  )
  .get(
    "/:id{[0-9]+}/",
    describe({
      tag: "tasks",
      summary: "One of the caller's tasks",
      description: "Another user's task, or one in the trash, is 404.",
      responses: ok("The task.", taskResponse),
    }),
    permit([IsAuthenticated]),
    taskObject,
    (c) => c.json(serializeTask(c.var.found.task, c.var.found.ownerUsername)),
  )
  .put(
    "/:id{[0-9]+}/",
    describe({
      tag: "tasks",
      summary: "Replace a task",
      description: "An optional field left out keeps its value, as in DRF. Another user's task is 404.",
      responses: ok("The changed task.", taskResponse),
    }),
    permit([IsAuthenticated]),
    taskObject,
    validateJson(taskBody),
    async (c) => c.json(await updateTask(c.var.db, c.var.found, c.req.valid("json"))),
  )
  .patch(
    "/:id{[0-9]+}/",
    describe({
      tag: "tasks",
      summary: "Change some fields of a task",
      description: "Only the fields sent change. Another user's task is 404.",
      responses: ok("The changed task.", taskResponse),
    }),
    permit([IsAuthenticated]),
    taskObject,
    validateJson(taskPatch),
    async (c) => c.json(await updateTask(c.var.db, c.var.found, c.req.valid("json"))),
  )
  // Soft delete: one conditional UPDATE, so a task already in the trash (or not the caller's) is 404.
  .delete(
    "/:id{[0-9]+}/",
    describe({
      tag: "tasks",
      summary: "Move a task to the trash",
      description: "Restorable until the daily purge; a task already in the trash is 404.",
      responses: noContent("In the trash (GET /api/tasks/trash/)."),
    }),
    permit([IsAuthenticated]),
    async (c) => {
      const [task] = await c.var.db
        .update(tasks)
        .set({ deletedAt: new Date() })
        .where(ownTask(c.var.caller.userId, taskId(c.req.param("id"))))
        .returning({ id: tasks.id });
      if (!task) throw taskNotFound();
      return c.body(null, 204);
    },
  )
  // Restoring a live task changes nothing and answers it as it is (idempotent, like DRF's all_objects lookup).
  .post(
    "/:id{[0-9]+}/restore/",
    describe({
      tag: "tasks",
      summary: "Take a task out of the trash",
      description: "A task that is not in the trash is answered as it is, unchanged.",
      responses: ok("The task, live again.", taskResponse),
    }),
    permit([IsAuthenticated]),
    async (c) => {
      const { db, caller } = c.var;
      const id = taskId(c.req.param("id"));
      const [restored] = await db
        .update(tasks)
        .set({ deletedAt: null })
        .where(ownTask(caller.userId, id, true))
        .returning();
      const task = restored ?? (await db.select().from(tasks).where(ownTask(caller.userId, id)).get());
      if (!task) throw taskNotFound();
      return c.json(serializeTask(task, (await c.var.user).username));
    },
  );
