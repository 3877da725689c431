import { createInsertSchema } from "drizzle-zod";
import { z } from "zod";
import { type Task, tasks } from "../db/schema";
import { partial } from "../lib/html-input";
import { booleanField, charField, dateTime, responseId } from "./fields";

const columns = createInsertSchema(tasks).shape;

/**
 * The writable fields of a Task. id, owner, owner_username and the timestamps in a body are dropped
 * here. Optional fields have no default: on PUT an omitted one keeps its value, as in DRF.
 */
export const taskBody = z.object({
  title: charField(columns.title.trim().min(1)),
  // null=True, blank=True.
  desc: charField(columns.desc.unwrap().unwrap().trim()).nullable().optional(),
  completed: booleanField.optional(),
});

export const taskPatch = partial(taskBody);

export type TaskInput = z.infer<typeof taskPatch>;

/** A task as responses show it: the shape serializeTask must produce, and the document's "Task". */
export const taskResponse = z
  .object({
    id: responseId,
    title: z.string(),
    desc: z.string().nullable(),
    completed: z.boolean(),
    owner: responseId,
    owner_username: z.string(),
    created_at: dateTime,
    updated_at: dateTime,
  })
  .meta({ id: "Task" });

export const serializeTask = (task: Task, ownerUsername: string): z.output<typeof taskResponse> => ({
  id: task.id,
  title: task.title,
  desc: task.desc,
  completed: task.completed,
  owner: task.ownerId,
  owner_username: ownerUsername,
  created_at: task.createdAt.toISOString(),
  updated_at: task.updatedAt.toISOString(),
});
