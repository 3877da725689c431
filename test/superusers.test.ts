import { describe, expect, it } from "vitest";
import { FORBIDDEN, get, patchUser, registerUser, rowOf, staffUser, superuser } from "./helpers";

/** The request is refused with `status` and `body`, and the account's row is exactly as it was. */
async function expectRefused(request: Promise<Response>, target: { id: number }, status: number, body: unknown) {
  const before = await rowOf("users", target.id);
  const res = await request;
  expect([res.status, await res.json()]).toEqual([status, body]);
  expect(await rowOf("users", target.id)).toEqual(before);
}

const LAST = "This would leave no active superuser: make another account a superuser first.";

describe("the superuser boundary", () => {
  it("staff who are not superusers cannot deactivate, demote, re-email or rename a superuser", async () => {
    const [admin, root] = await Promise.all([staffUser(), superuser()]);
    for (const body of [
      { is_active: false },
      { is_staff: false },
      { email: "mine@example.com" },
      { first_name: "x" },
      { username: "root2" },
    ]) {
      const before = await rowOf("users", root.id);
      const res = await patchUser(admin, root, body);
      expect([res.status, await res.json()], JSON.stringify(body)).toEqual([403, FORBIDDEN]);
      expect(await rowOf("users", root.id)).toEqual(before);
    }
    // The superuser can still log in and administer.
    expect((await get("/api/users/", { token: root.access })).status).toBe(200);
  });

  it("only a superuser grants or removes is_staff", async () => {
    const [admin, colleague, user, root] = await Promise.all([staffUser(), staffUser(), registerUser(), superuser()]);
    await expectRefused(patchUser(admin, user, { is_staff: true }), user, 403, FORBIDDEN);
    await expectRefused(patchUser(admin, colleague, { is_staff: false }), colleague, 403, FORBIDDEN);
    await expectRefused(patchUser(admin, admin, { is_staff: false }), admin, 403, FORBIDDEN);
    // Naming the value it already has changes nothing and is allowed, with the other changes.
    const same = await patchUser(admin, user, { is_staff: false, first_name: "Ann" });
    expect([same.status, await same.json()]).toEqual([
      200,
      expect.objectContaining({ is_staff: false, first_name: "Ann" }),
    ]);

    expect((await patchUser(root, user, { is_staff: true })).status).toBe(200);
    expect((await get("/api/users/", { token: user.access })).status).toBe(200);
    expect((await patchUser(root, colleague, { is_staff: false })).status).toBe(200);
    expect((await get("/api/users/", { token: colleague.access })).status).toBe(403);
  });

  it("a superuser changes another superuser's account", async () => {
    const [root, other] = await Promise.all([superuser(), superuser()]);
    const res = await patchUser(root, other, { first_name: "Changed", email: "other@example.com" });
    expect(res.status).toBe(200);
    expect(await rowOf("users", other.id)).toMatchObject({ first_name: "Changed", email: "other@example.com" });
  });

  it("nobody deactivates or demotes themselves when no other active superuser would be left", async () => {
    // Every other superuser in this file's database steps aside first, so `root` is the last one.
    const root = await superuser();
    const others = (await (await get("/api/users/", { token: root.access })).json()) as {
      id: number;
      is_superuser: boolean;
    }[];
    for (const other of others.filter((u) => u.is_superuser && u.id !== root.id)) {
      expect((await patchUser(root, other, { is_active: false })).status).toBe(200);
    }
    await expectRefused(patchUser(root, root, { is_active: false }), root, 400, { is_active: [LAST] });
    await expectRefused(patchUser(root, root, { is_staff: false }), root, 400, { is_staff: [LAST] });

    // With a second active superuser, stepping down is allowed.
    const second = await superuser();
    expect((await patchUser(root, root, { is_staff: false })).status).toBe(200);
    await expectRefused(patchUser(second, second, { is_active: false }), second, 400, { is_active: [LAST] });
  });

  it("two last superusers stepping down at once cannot both succeed", async () => {
    const [a, b] = [await superuser(), await superuser()];
    const others = (await (await get("/api/users/", { token: a.access })).json()) as {
      id: number;
      is_superuser: boolean;
    }[];
    for (const other of others.filter((u) => u.is_superuser && u.id !== a.id && u.id !== b.id)) {
      expect((await patchUser(a, other, { is_active: false })).status).toBe(200);
    }
    const results = await Promise.all([patchUser(a, a, { is_active: false }), patchUser(b, b, { is_active: false })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    const rows = await Promise.all([rowOf("users", a.id), rowOf("users", b.id)]);
    expect(rows.filter((r) => r!.is_active === 1)).toHaveLength(1);
  });
});
