import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, get, post, registerUser, rowOf, type TestUser, UNAUTHENTICATED, unique } from "./helpers";
import {
  authenticationFailures,
  type Case,
  DETAIL_ACTIONS,
  permissionMatrix,
  refusedFor,
  type World,
} from "./helpers/permission-matrix";

type ProfileJson = Record<string, unknown> & { id: number };

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const NO_PROFILE = { detail: "No UserProfile matches the given query." };
const ALREADY = { non_field_errors: ["You already have a profile."] };

async function createProfile(user: TestUser, fields: Record<string, unknown> = {}): Promise<ProfileJson> {
  const res = await post("/api/profiles/", { bio: "Hi", ...fields }, { token: user.access });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

const listed = (body: unknown, w: World) => expect((body as ProfileJson[]).map((p) => p.id)).toEqual([w.id]);
const nothingListed = (body: unknown) => expect(body).toEqual([]);
const theProfile = (body: unknown, w: World) =>
  expect(body).toMatchObject({ id: w.id, username: w.owner.username, bio: "Hi" });
const createdFor = (actor: "other" | "staff") => (body: unknown, w: World) =>
  expect(body).toMatchObject({ username: w[actor].username, bio: "Fresh" });
const updated = (body: unknown, w: World) => expect(body).toMatchObject({ id: w.id, bio: "Updated" });

const profiles = {
  base: "/api/profiles/",
  table: "profiles",
  seed: async (owner: TestUser) => (await createProfile(owner)).id,
  bodies: {
    create: { bio: "Fresh" },
    update: { bio: "Updated", website: "https://example.com/" },
    partial_update: { bio: "Updated" },
  },
  isDeleted: (row: unknown) => row === null,
};

// Owner-scoped like tasks; a user's second profile is a validation error.
const matrix: Case[] = [
  ...refusedFor("anonymous", 401, UNAUTHENTICATED),
  ["owner", "list", 200, listed],
  ["owner", "create", 400, ALREADY],
  ["owner", "retrieve", 200, theProfile],
  ["owner", "update", 200, updated],
  ["owner", "partial_update", 200, updated],
  ["owner", "delete", 204],
  ["other", "list", 200, nothingListed],
  ["other", "create", 201, createdFor("other")],
  ...refusedFor("other", 404, NO_PROFILE, DETAIL_ACTIONS),
  ["staff", "list", 200, nothingListed],
  ["staff", "create", 201, createdFor("staff")],
  ...refusedFor("staff", 404, NO_PROFILE, DETAIL_ACTIONS),
];

permissionMatrix("profiles", profiles, matrix);
authenticationFailures("profiles", "/api/profiles/me/");

describe("profiles: /me/", () => {
  it("is 404 until the profile is created with POST, then shows it", async () => {
    const user = await registerUser({ email: "ada@example.com" });
    const before = await get("/api/profiles/me/", { token: user.access });
    expect([before.status, await before.json()]).toEqual([404, NO_PROFILE]);

    const created = await createProfile(user, { phone_number: "+442079460000", website: "https://ada.dev" });
    expect(created).toEqual({
      id: expect.any(Number),
      username: user.username,
      email: "ada@example.com",
      bio: "Hi",
      phone_number: "+442079460000",
      avatar: null,
      website: "https://ada.dev",
      created_at: expect.stringMatching(ISO_UTC),
      updated_at: expect.stringMatching(ISO_UTC),
    });
    const me = await get("/api/profiles/me/", { token: user.access });
    expect([me.status, await me.json()]).toEqual([200, created]);
  });

  it("PATCH /me/ updates the caller's profile; it is 404 while there is none", async () => {
    const user = await registerUser();
    const none = await call("PATCH", "/api/profiles/me/", { bio: "x" }, { token: user.access });
    expect([none.status, await none.json()]).toEqual([404, NO_PROFILE]);
    expect(await env.DB.prepare("SELECT id FROM profiles WHERE user_id = ?").bind(user.id).first()).toBeNull();

    const profile = await createProfile(user);
    const res = await call("PATCH", "/api/profiles/me/", { website: "", bio: "New" }, { token: user.access });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: profile.id, bio: "New", website: "" });
    expect(await rowOf("profiles", profile.id)).toMatchObject({ bio: "New" });
  });

  it("/me/ takes GET and PATCH only", async () => {
    const user = await registerUser();
    const res = await call("PUT", "/api/profiles/me/", { bio: "x" }, { token: user.access });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET, PATCH, HEAD, OPTIONS");
  });
});

describe("profiles: security", () => {
  it("mass assignment: username, avatar, user, is_staff and id in a body change nothing", async () => {
    const email = `${unique("me")}@example.com`;
    const [user, victim] = await Promise.all([registerUser({ email }), registerUser()]);
    const accountBefore = await rowOf("users", user.id);
    const sneaky = {
      id: 777_777,
      user: victim.id,
      username: "admin",
      avatar: "https://evil.example/x.png",
      is_staff: true,
      is_superuser: true,
    };
    // On create the body's email is ignored too: the account's email changes only through an update.
    const created = await createProfile(user, { ...sneaky, email: "admin@example.com" });
    expect(created).toMatchObject({ username: user.username, email, avatar: null });
    expect(created.id).not.toBe(777_777);

    const res = await call("PATCH", "/api/profiles/me/", { ...sneaky, bio: "still me" }, { token: user.access });
    expect(await res.json()).toMatchObject({ username: user.username, email, avatar: null, bio: "still me" });
    expect(await rowOf("profiles", created.id)).toMatchObject({ user_id: user.id, avatar_key: null });
    expect(await rowOf("users", user.id)).toEqual(accountBefore);
    const victimProfile = await get("/api/profiles/me/", { token: victim.access });
    expect(victimProfile.status).toBe(404);
  });

  it("shows the account's email but never changes it: that is the confirmed email change's (a stolen token could not)", async () => {
    const email = `${unique("Mine")}@Example.com`;
    const user = await registerUser({ email });
    await createProfile(user, {});
    const before = [
      await rowOf("users", user.id),
      await (await get("/api/profiles/me/", { token: user.access })).json(),
    ];
    const changed = await call(
      "PATCH",
      "/api/profiles/me/",
      { email: `${unique("thief")}@example.com`, bio: "x" },
      { token: user.access },
    );
    expect([changed.status, await changed.json()]).toEqual([
      400,
      { email: ["An email address changes only once confirmed: POST /api/email/change/ with your password."] },
    ]);
    expect([
      await rowOf("users", user.id),
      await (await get("/api/profiles/me/", { token: user.access })).json(),
    ]).toEqual(before);
    // The address it already has, in any case, is accepted back: DRF clients send the whole object.
    const same = await call(
      "PATCH",
      "/api/profiles/me/",
      { email: email.toLowerCase(), bio: "y" },
      { token: user.access },
    );
    expect([same.status, await same.json()]).toEqual([200, expect.objectContaining({ email, bio: "y" })]);
  });

  it("BOLA: another user's profile id is the same 404 as a missing one, and stays untouched", async () => {
    const [owner, attacker] = await Promise.all([registerUser(), registerUser()]);
    const profile = await createProfile(owner);
    await createProfile(attacker);
    const before = await rowOf("profiles", profile.id);
    for (const [method, body] of [
      ["GET"],
      ["PUT", { bio: "pwned" }],
      ["PATCH", { bio: "pwned" }],
      ["DELETE"],
    ] as const) {
      const theirs = await call(method, `/api/profiles/${profile.id}/`, body, { token: attacker.access });
      const nobody = await call(method, "/api/profiles/987654321/", body, { token: attacker.access });
      expect(theirs.status).toBe(404);
      expect(await theirs.text()).toBe(await nobody.text());
    }
    expect(await rowOf("profiles", profile.id)).toEqual(before);
  });

  it("concurrent creates by one user: exactly one profile", async () => {
    for (let round = 0; round < 3; round++) {
      const user = await registerUser();
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => post("/api/profiles/", { bio: "race" }, { token: user.access })),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([201, 400, 400, 400, 400]);
      for (const res of responses.filter((r) => r.status === 400)) expect(await res.json()).toEqual(ALREADY);
      const rows = await env.DB.prepare("SELECT count(*) AS n FROM profiles WHERE user_id = ?").bind(user.id).first();
      expect(rows).toEqual({ n: 1 });
    }
  });
});

describe("profiles: validation", () => {
  it.each([
    [
      "phone over 15",
      { phone_number: "1".repeat(16) },
      { phone_number: ["Ensure this field has no more than 15 characters."] },
    ],
    ["script URL", { website: "javascript:alert(1)" }, { website: ["Enter a valid URL."] }],
    ["data URL", { website: "data:text/html,<script>1</script>" }, { website: ["Enter a valid URL."] }],
    ["no host", { website: "https://" }, { website: ["Enter a valid URL."] }],
    ["not a URL", { website: "example" }, { website: ["Enter a valid URL."] }],
    ["null bio", { bio: null }, { bio: ["This field may not be null."] }],
  ])("%s → 400, nothing stored", async (_, fields, errors) => {
    const user = await registerUser();
    const res = await post("/api/profiles/", fields, { token: user.access });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(errors);
    expect((await get("/api/profiles/me/", { token: user.access })).status).toBe(404);
  });
});
