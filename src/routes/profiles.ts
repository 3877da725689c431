import { and, eq, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import type { Database } from "../db/client";
import { type Profile, profiles, touched, users } from "../db/schema";
import type { AppEnv } from "../env";
import { unlessTaken } from "../lib/db-errors";
import { nonFieldError, notFound, validationError } from "../lib/errors";
import { getObject } from "../middleware/get-object";
import { IsAuthenticated } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { validateJson } from "../middleware/validate";
import { created, describe, listOf, noContent, ok } from "../openapi/describe";
import {
  PROFILE_MODEL,
  type ProfileInput,
  type ProfileOwner,
  profileBody,
  profileResponse,
  profileValues,
  serializeProfile,
} from "../schemas/profiles";
import { discardAvatar } from "../services/avatar-store";

type ProfileRow = { profile: Profile; owner: ProfileOwner };

const profileNotFound = () => notFound(PROFILE_MODEL);

const mine = (userId: number) => eq(profiles.userId, userId);

/** Profiles with their owner's username and email, which the serializer shows. */
const withOwner = (db: Database, where: SQL | undefined) =>
  db
    .select({ profile: profiles, owner: { username: users.username, email: users.email } })
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .where(where);

/**
 * get_object() over the caller's own profiles only — "/me/" or an id that must also be theirs — so
 * someone else's profile is the same 404 as one that does not exist.
 */
const ownProfile = getObject<ProfileRow>((c, id) => {
  if (c.req.param("id") !== undefined && id === null) return Promise.resolve(undefined);
  const byId = id === null ? undefined : eq(profiles.id, id);
  return withOwner(c.var.db, and(mine(c.var.caller.userId), byId)).get();
}, profileNotFound);

/** A profile as responses show it; `url` is the request's (DRF's ImageField builds absolute URLs from it). */
const render = (url: string, { profile, owner }: ProfileRow) => serializeProfile(profile, owner, url);

/**
 * The account's email shows in its profile but changes only through the confirmed email change:
 * written here, a stolen access token could point the account at an address the thief then verifies.
 * The address the profile already shows is accepted unchanged (DRF clients send the whole object back).
 */
function checkEmailUnchanged(found: ProfileRow, input: ProfileInput): void {
  if (input.email === undefined || input.email.toLowerCase() === found.owner.email.toLowerCase()) return;
  throw validationError({
    email: ["An email address changes only once confirmed: POST /api/email/change/ with your password."],
  });
}

/** The profile's fields; the profile is the caller's `found` one, and stays theirs in the write's own condition. */
async function updateProfile(db: Database, found: ProfileRow, userId: number, input: ProfileInput) {
  checkEmailUnchanged(found, input);
  const [profile] = await db
    .update(profiles)
    .set(touched(profileValues(input)))
    .where(and(mine(userId), eq(profiles.id, found.profile.id)))
    .returning();
  if (!profile) throw profileNotFound();
  return { profile, owner: found.owner };
}

/** One profile per user, visible and writable by that user alone. */
export const profileRoutes = new Hono<AppEnv>()
  // The list holds the caller's profile, or nothing yet.
  .get(
    "/",
    describe({
      tag: "profiles",
      summary: "The caller's profile, as a list",
      description: "Only ever the caller's own: nobody else's profile is listed.",
      responses: ok("Empty until the caller creates a profile.", listOf(profileResponse)),
    }),
    permit([IsAuthenticated]),
    async (c) => {
      const rows = await withOwner(c.var.db, mine(c.var.caller.userId));
      return c.json(rows.map((row) => render(c.req.url, row)));
    },
  )
  .post(
    "/",
    describe({
      tag: "profiles",
      summary: "Create the caller's profile (one per user)",
      description: "A second one is refused (400). Its `email` is the account's, and is not set here.",
      responses: created("The new profile.", profileResponse),
    }),
    permit([IsAuthenticated]),
    validateJson(profileBody),
    async (c) => {
      const { db, caller } = c.var;
      // The UNIQUE index on user_id keeps it to one profile, concurrent creates included.
      const [profile] = await unlessTaken(
        db
          .insert(profiles)
          .values({ ...profileValues(c.req.valid("json")), userId: caller.userId })
          .returning(),
        { "profiles.user_id": () => nonFieldError("You already have a profile.") },
      );
      // The owner is the caller, whose account was looked up before any write ran.
      return c.json(render(c.req.url, { profile: profile!, owner: await c.var.user }), 201);
    },
  )
  .get(
    "/me/",
    describe({
      tag: "profiles",
      summary: "The caller's profile",
      description: "404 until the caller has created one.",
      responses: ok("The profile.", profileResponse),
      errors: [404],
    }),
    permit([IsAuthenticated]),
    ownProfile,
    (c) => c.json(render(c.req.url, c.var.found)),
  )
  .patch(
    "/me/",
    describe({
      tag: "profiles",
      summary: "Change the caller's profile",
      description: "`email` changes only through `POST /api/email/change/`; sent here, it must be unchanged.",
      responses: ok("The changed profile.", profileResponse),
      errors: [404],
    }),
    permit([IsAuthenticated]),
    ownProfile,
    validateJson(profileBody),
    async (c) => {
      const updated = await updateProfile(c.var.db, c.var.found, c.var.caller.userId, c.req.valid("json"));
      return c.json(render(c.req.url, updated));
    },
  )
  .get(
    "/:id{[0-9]+}/",
    describe({
      tag: "profiles",
      summary: "The caller's profile, by id",
      description: "Another user's profile is 404, as one that does not exist.",
      responses: ok("The profile.", profileResponse),
    }),
    permit([IsAuthenticated]),
    ownProfile,
    (c) => c.json(render(c.req.url, c.var.found)),
  )
  // Every profile field is optional (blank=True), so a full update takes the same body as a partial one.
  .on(
    ["PUT", "PATCH"],
    "/:id{[0-9]+}/",
    describe({
      tag: "profiles",
      summary: "Change the caller's profile, by id",
      description:
        "PUT and PATCH alike: every field is optional. `email` must be unchanged. Another user's profile is 404.",
      responses: ok("The changed profile.", profileResponse),
    }),
    permit([IsAuthenticated]),
    ownProfile,
    validateJson(profileBody),
    async (c) => {
      const updated = await updateProfile(c.var.db, c.var.found, c.var.caller.userId, c.req.valid("json"));
      return c.json(render(c.req.url, updated));
    },
  )
  .delete(
    "/:id{[0-9]+}/",
    describe({
      tag: "profiles",
      summary: "Delete the caller's profile and its avatar",
      description: "The account stays. Another user's profile is 404.",
      responses: noContent("Deleted."),
    }),
    permit([IsAuthenticated]),
    ownProfile,
    async (c) => {
      const { db, caller, found } = c.var;
      const [deleted] = await db
        .delete(profiles)
        .where(and(mine(caller.userId), eq(profiles.id, found.profile.id)))
        .returning({ avatarKey: profiles.avatarKey });
      if (!deleted) throw profileNotFound();
      if (deleted.avatarKey) await discardAvatar(c.env.AVATARS, deleted.avatarKey);
      return c.body(null, 204);
    },
  );
