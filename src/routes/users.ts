import { desc, eq } from "drizzle-orm";
import { Hono, type MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { type User, users } from "../db/schema";
import type { AppEnv, AuthedEnv } from "../env";
import { notFound } from "../lib/errors";
import { validateJson } from "../lib/validate";
import { IsAdminUser, IsAuthenticated, permit } from "../middleware/permissions";
import { lookupId } from "../schemas/fields";
import { adminUserPatch, serializeUser } from "../schemas/users";

type UserEnv = { Bindings: Env; Variables: AuthedEnv["Variables"] & { account: User } };

/** get_object() for staff: runs after IsAdminUser, so a non-staff caller learns nothing (403 first). */
const accountObject = createMiddleware<{ Variables: { account?: User } } & AuthedEnv>(async (c, next) => {
  const id = lookupId(c.req.param("id"));
  const account = id === null ? undefined : await c.var.db.select().from(users).where(eq(users.id, id)).get();
  if (!account) throw notFound("User");
  c.set("account", account);
  await next();
}) as MiddlewareHandler<UserEnv>;

/** The caller's own account, and account administration for staff (DRF's IsAdminUser: is_staff). */
export const userRoutes = new Hono<AppEnv>()
  .get("/me/", permit([IsAuthenticated]), (c) => c.json(serializeUser(c.var.user)))
  .get("/", permit([IsAdminUser]), async (c) => {
    const rows = await c.var.db.select().from(users).orderBy(desc(users.dateJoined), desc(users.id));
    return c.json(rows.map(serializeUser));
  })
  .get("/:id{[0-9]+}/", permit([IsAdminUser]), accountObject, (c) => c.json(serializeUser(c.var.account)))
  // A deactivated user's next request fails authentication (401 user_inactive): the flag is read on every request.
  .patch("/:id{[0-9]+}/", permit([IsAdminUser]), accountObject, validateJson(adminUserPatch), async (c) => {
    const input = c.req.valid("json");
    const changes = {
      email: input.email,
      firstName: input.first_name,
      lastName: input.last_name,
      isActive: input.is_active,
      isStaff: input.is_staff,
    };
    // An empty PATCH is valid and changes nothing (users has no updated_at to touch; Drizzle refuses an empty SET).
    if (Object.values(changes).every((v) => v === undefined)) return c.json(serializeUser(c.var.account));
    const [account] = await c.var.db.update(users).set(changes).where(eq(users.id, c.var.account.id)).returning();
    if (!account) throw notFound("User");
    return c.json(serializeUser(account));
  });
