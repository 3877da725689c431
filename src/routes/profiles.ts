import { and, eq, type SQL } from "drizzle-orm";
import { Hono, type MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { type Profile, profiles, touched } from "../db/schema";
import type { AppEnv, AuthedEnv } from "../env";
import { isUniqueViolation } from "../lib/db-errors";
import { nonFieldError, notFound } from "../lib/errors";
import { validateJson } from "../lib/validate";
import { IsAuthenticated, permit } from "../middleware/permissions";
import { lookupId } from "../schemas/fields";
import { PROFILE_MODEL, type ProfileInput, profileBody, profileValues, serializeProfile } from "../schemas/profiles";
import { discardAvatar } from "../services/avatar-store";

type ProfileEnv = { Bindings: Env; Variables: AuthedEnv["Variables"] & { profile: Profile } };
type Ctx = { env: Env; req: { url: string }; var: AuthedEnv["Variables"] };

const profileNotFound = () => notFound(PROFILE_MODEL);

const mine = (userId: number) => eq(profiles.userId, userId);

/**
 * get_object() over the caller's own profiles only — "/me/" or an id that must also be theirs — run
 * before the body is read, so a missing profile is 404 before any 400 and someone else's is the same 404.
 */
const ownProfile = createMiddleware<{ Variables: { profile?: Profile } } & AuthedEnv>(async (c, next) => {
  const param = c.req.param("id");
  let where: SQL | undefined = mine(c.var.user.id);
  if (param !== undefined) {
    const id = lookupId(param);
    if (id === null) throw profileNotFound();
    where = and(where, eq(profiles.id, id));
  }
  const profile = await c.var.db.select().from(profiles).where(where).get();
  if (!profile) throw profileNotFound();
  c.set("profile", profile);
  await next();
}) as MiddlewareHandler<ProfileEnv>;

const render = (c: Ctx, profile: Profile) => serializeProfile(profile, c.var.user, c.req.url);

async function updateProfile(c: Ctx & { var: { profile: Profile } }, input: ProfileInput) {
  const [profile] = await c.var.db
    .update(profiles)
    .set(touched(profileValues(input)))
    .where(and(mine(c.var.user.id), eq(profiles.id, c.var.profile.id)))
    .returning();
  if (!profile) throw profileNotFound();
  return render(c, profile);
}

/** One profile per user, visible and writable by that user alone. */
export const profileRoutes = new Hono<AppEnv>()
  // The list holds the caller's profile, or nothing yet.
  .get("/", permit([IsAuthenticated]), async (c) => {
    const rows = await c.var.db.select().from(profiles).where(mine(c.var.user.id));
    return c.json(rows.map((p) => render(c, p)));
  })
  .post("/", permit([IsAuthenticated]), validateJson(profileBody), async (c) => {
    const { db, user } = c.var;
    try {
      const [profile] = await db
        .insert(profiles)
        .values({ ...profileValues(c.req.valid("json")), userId: user.id })
        .returning();
      return c.json(render(c, profile!), 201);
    } catch (e) {
      // The UNIQUE index on user_id keeps it to one profile, concurrent creates included.
      if (isUniqueViolation(e, "profiles.user_id")) throw nonFieldError("You already have a profile.");
      throw e;
    }
  })
  .get("/me/", permit([IsAuthenticated]), ownProfile, (c) => c.json(render(c, c.var.profile)))
  .patch("/me/", permit([IsAuthenticated]), ownProfile, validateJson(profileBody), async (c) =>
    c.json(await updateProfile(c, c.req.valid("json"))),
  )
  .get("/:id{[0-9]+}/", permit([IsAuthenticated]), ownProfile, (c) => c.json(render(c, c.var.profile)))
  // Every profile field is optional (blank=True), so a full update takes the same body as a partial one.
  .put("/:id{[0-9]+}/", permit([IsAuthenticated]), ownProfile, validateJson(profileBody), async (c) =>
    c.json(await updateProfile(c, c.req.valid("json"))),
  )
  .patch("/:id{[0-9]+}/", permit([IsAuthenticated]), ownProfile, validateJson(profileBody), async (c) =>
    c.json(await updateProfile(c, c.req.valid("json"))),
  )
  .delete("/:id{[0-9]+}/", permit([IsAuthenticated]), ownProfile, async (c) => {
    const { db, user, profile } = c.var;
    const [deleted] = await db
      .delete(profiles)
      .where(and(mine(user.id), eq(profiles.id, profile.id)))
      .returning({ avatarKey: profiles.avatarKey });
    if (!deleted) throw profileNotFound();
    if (deleted.avatarKey) await discardAvatar(c.env.AVATARS, deleted.avatarKey);
    return c.body(null, 204);
  });
