import { and, desc, eq, isNotNull, isNull, type Placeholder, sql } from "drizzle-orm";
import { Hono, type MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { preparedQuery } from "../db/client";
import { type Task, tasks, touched, type User } from "../db/schema";
import type { AppEnv, AuthedEnv, Database } from "../env";
import { notFound } from "../lib/errors";
import { validateJson } from "../lib/validate";
import { IsAuthenticated, permit } from "../middleware/permissions";
import { lookupId } from "../schemas/fields";
import { serializeTask, type TaskInput, taskBody, taskPatch } from "../schemas/tasks";

type TaskEnv = { Bindings: Env; Variables: AuthedEnv["Variables"] & { task: Task } };

const taskNotFound = () => notFound("Task");

/**
 * The caller's live (or, for the trash, deleted) tasks. The owner is part of every query, so another
 * user's task is not found — the same 404 as an id that never existed, never a 403.
 */
const ownTasks = (userId: number | Placeholder, deleted: boolean) =>
  and(eq(tasks.ownerId, userId), deleted ? isNotNull(tasks.deletedAt) : isNull(tasks.deletedAt));

const ownTask = (userId: number, id: number, deleted = false) => and(eq(tasks.id, id), ownTasks(userId, deleted));

/** A non-numeric id cannot reach here (route pattern); one beyond any row is simply not found. */
const taskId = (param: string | undefined) => {
  const id = lookupId(param);
  if (id === null) throw taskNotFound();
  return id;
};

/** get_object() before the body is read: a bad body on a missing task is 404, not 400 (DRF's order). */
const taskObject = createMiddleware<{ Variables: { task?: Task } } & AuthedEnv>(async (c, next) => {
  const task = await c.var.db.select().from(tasks).where(ownTask(c.var.user.id, taskId(c.req.param("id")))).get();
  if (!task) throw taskNotFound();
  c.set("task", task);
  await next();
}) as MiddlewareHandler<TaskEnv>;

const listQuery = (deleted: boolean) =>
  preparedQuery((db: Database) =>
    db
      .select()
      .from(tasks)
      .where(ownTasks(sql.placeholder("ownerId"), deleted))
      .orderBy(desc(tasks.createdAt), desc(tasks.id))
      .prepare(),
  );
// The task list is the hottest authenticated read: its query is prepared once, not built per request.
const LIST_QUERIES = { live: listQuery(false), trash: listQuery(true) };

async function listOwnTasks(db: Database, user: User, deleted: boolean) {
  const rows = await LIST_QUERIES[deleted ? "trash" : "live"](db).all({ ownerId: user.id });
  return rows.map((t) => serializeTask(t, user.username));
}

/** The update itself re-checks owner and trash state: the task may have been deleted since the lookup. */
async function updateTask(db: Database, user: User, id: number, values: TaskInput) {
  const [task] = await db.update(tasks).set(touched(values)).where(ownTask(user.id, id)).returning();
  if (!task) throw taskNotFound();
  return serializeTask(task, user.username);
}

/** The tutorial's TaskViewSet: private to its owner; DELETE moves a task to the trash. */
export const taskRoutes = new Hono<AppEnv>()
  .get("/", permit([IsAuthenticated]), async (c) => c.json(await listOwnTasks(c.var.db, c.var.user, false)))
  .post("/", permit([IsAuthenticated]), validateJson(taskBody), async (c) => {
    const { db, user } = c.var;
    const [task] = await db
      .insert(tasks)
      .values({ ...c.req.valid("json"), ownerId: user.id })
      .returning();
    return c.json(serializeTask(task!, user.username), 201);
  })
  .get("/trash/", permit([IsAuthenticated]), async (c) => c.json(await listOwnTasks(c.var.db, c.var.user, true)))
  .get("/:id{[0-9]+}/", permit([IsAuthenticated]), taskObject, (c) =>
    c.json(serializeTask(c.var.task, c.var.user.username)),
  )
  .put("/:id{[0-9]+}/", permit([IsAuthenticated]), taskObject, validateJson(taskBody), async (c) =>
    c.json(await updateTask(c.var.db, c.var.user, c.var.task.id, c.req.valid("json"))),
  )
  .patch("/:id{[0-9]+}/", permit([IsAuthenticated]), taskObject, validateJson(taskPatch), async (c) =>
    c.json(await updateTask(c.var.db, c.var.user, c.var.task.id, c.req.valid("json"))),
  )
  // Soft delete: one conditional UPDATE, so a task already in the trash (or not the caller's) is 404.
  .delete("/:id{[0-9]+}/", permit([IsAuthenticated]), async (c) => {
    const [task] = await c.var.db
      .update(tasks)
      .set({ deletedAt: new Date() })
      .where(ownTask(c.var.user.id, taskId(c.req.param("id"))))
      .returning({ id: tasks.id });
    if (!task) throw taskNotFound();
    return c.body(null, 204);
  })
  // Restoring a live task changes nothing and answers it as it is (idempotent, like DRF's all_objects lookup).
  .post("/:id{[0-9]+}/restore/", permit([IsAuthenticated]), async (c) => {
    const { db, user } = c.var;
    const id = taskId(c.req.param("id"));
    const [restored] = await db.update(tasks).set({ deletedAt: null }).where(ownTask(user.id, id, true)).returning();
    const task = restored ?? (await db.select().from(tasks).where(ownTask(user.id, id)).get());
    if (!task) throw taskNotFound();
    return c.json(serializeTask(task, user.username));
  });
