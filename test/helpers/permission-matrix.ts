import { describe, expect, it } from "vitest";
import { call } from "./http";
import { countRows, rowOf } from "./rows";
import { refusedAccessBody } from "./tokens";
import { registerUser, staffUser, type TestUser } from "./users";

// The permission matrix of one resource: who (anonymous, the row's owner, another user, staff who
// do not own it) may do what (DRF's six ViewSet actions), with the status and body each gets — and,
// for every refused write, proof from D1 that nothing changed.

export type Actor = "anonymous" | "owner" | "other" | "staff";
export type Action = "list" | "create" | "retrieve" | "update" | "partial_update" | "delete";

/** Fresh users and one row owned by `owner`, made for each case. */
export type World = { owner: TestUser; other: TestUser; staff: TestUser; id: number };

export type ResourceSpec = {
  /** List URL, e.g. "/api/books/"; the detail URL is `${base}${id}/`. */
  base: string;
  /** The D1 table the rows live in. */
  table: string;
  /** Creates the owner's row (through the API) and returns its id. */
  seed: (owner: TestUser) => Promise<number>;
  bodies: { create: unknown; update: unknown; partial_update: unknown };
  /** How a deleted row looks in D1: gone, or (soft delete) still there with deleted_at set. */
  isDeleted: (row: Record<string, unknown> | null) => boolean;
};

/** [actor, action, status, expected body (a value for toEqual, or a check given the world)]. */
export type Case = [Actor, Action, number, (unknown | ((body: unknown, world: World) => void))?];

const ALL_ACTIONS: readonly Action[] = ["list", "create", "retrieve", "update", "partial_update", "delete"];
/** The actions of the detail URL. */
export const DETAIL_ACTIONS: readonly Action[] = ["retrieve", "update", "partial_update", "delete"];

/** One refusal, the same status and body, for each of `actions` (all six by default). */
export const refusedFor = (actor: Actor, status: number, body: unknown, actions = ALL_ACTIONS): Case[] =>
  actions.map((action) => [actor, action, status, body]);

const METHODS: Record<Action, string> = {
  list: "GET",
  create: "POST",
  retrieve: "GET",
  update: "PUT",
  partial_update: "PATCH",
  delete: "DELETE",
};

async function makeWorld(spec: ResourceSpec): Promise<World> {
  const [owner, other, staff] = await Promise.all([registerUser(), registerUser(), staffUser()]);
  return { owner, other, staff, id: await spec.seed(owner) };
}

function request(spec: ResourceSpec, world: World, actor: Actor, action: Action) {
  const token = actor === "anonymous" ? undefined : world[actor].access;
  const path = action === "list" || action === "create" ? spec.base : `${spec.base}${world.id}/`;
  const body =
    action === "create" || action === "update" || action === "partial_update" ? spec.bodies[action] : undefined;
  return call(METHODS[action], path, body, { token });
}

export function permissionMatrix(name: string, spec: ResourceSpec, cases: Case[]) {
  describe(`${name}: permission matrix`, () => {
    for (const [actor, action, status, expected] of cases) {
      it(`${actor} × ${action} → ${status}`, async () => {
        const world = await makeWorld(spec);
        const before = await rowOf(spec.table, world.id);
        const countBefore = await countRows(spec.table);

        const res = await request(spec, world, actor, action);
        const text = await res.text();
        expect(res.status, text).toBe(status);
        if (status === 204) {
          expect(text).toBe("");
          expect(res.headers.get("Content-Type")).toBeNull();
        } else if (typeof expected === "function") {
          expected(JSON.parse(text), world);
        } else if (expected !== undefined) {
          expect(JSON.parse(text)).toEqual(expected);
        }

        const after = await rowOf(spec.table, world.id);
        const refused = status >= 400;
        if (action === "create") {
          expect(await countRows(spec.table)).toBe(countBefore + (refused ? 0 : 1));
        } else if (action === "delete" && !refused) {
          expect(spec.isDeleted(after)).toBe(true);
        } else if (refused || action === "list" || action === "retrieve") {
          expect(after, "a refused or read-only request changed the row").toEqual(before);
        } else {
          expect(after).not.toEqual(before);
        }
      });
    }
  });
}

/** simplejwt's authentication runs before any permission: a bad token is 401 even where anyone may read. */
export function authenticationFailures(name: string, path: string) {
  describe(`${name}: authentication`, () => {
    it("a forged token is 401 token_not_valid", async () => {
      const user = await registerUser();
      const [header, payload] = user.access.split(".");
      const res = await call("GET", path, undefined, { token: `${header}.${payload}.${"A".repeat(43)}` });
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="api"');
      expect(await res.json()).toEqual(refusedAccessBody("Token is invalid"));
    });

    it("a refresh token in place of an access token is 401 'Token has wrong type'", async () => {
      const user = await registerUser();
      const res = await call("GET", path, undefined, { token: user.refresh });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(refusedAccessBody("Token has wrong type"));
    });
  });
}
