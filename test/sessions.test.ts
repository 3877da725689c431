import { describe, expect, it } from "vitest";
import { z } from "zod";
import { sessionResponse } from "../src/schemas/sessions";
import { call, FORBIDDEN, get, login, post, registerUser, rowOf, staffUser, superuser, type TestUser } from "./helpers";

const sessionsOf = async (user: { access: string }) => {
  const res = await get("/api/sessions/", { token: user.access });
  expect(res.status).toBe(200);
  // The documented shape, parsed: a field the schema lacks or mistypes fails here.
  return z.array(sessionResponse.strict()).parse(await res.json());
};

/** A login from a client with this User-Agent. */
async function loginFrom(user: TestUser, userAgent: string) {
  const res = await post(
    "/api/token/",
    { username: user.username, password: user.password },
    { headers: { "User-Agent": userAgent } },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as { access: string; refresh: string };
}

describe("the sessions API", () => {
  it("lists the caller's live sessions, newest first, with the client and which one is current", async () => {
    const user = await registerUser();
    const phone = await loginFrom(user, "Phone/1.0");
    const laptop = await loginFrom(user, `Laptop/2.0 ${"x".repeat(400)}`);
    const sessions = await sessionsOf(laptop);
    expect(sessions).toHaveLength(3);
    expect(sessions.map((s) => s.current)).toEqual([true, false, false]);
    expect(sessions[0]!.user_agent).toHaveLength(256);
    expect(sessions[1]!.user_agent).toBe("Phone/1.0");
    for (const s of sessions) {
      expect(Object.keys(s)).toEqual([
        "id",
        "created_at",
        "last_used_at",
        "expires_at",
        "user_agent",
        "aal",
        "amr",
        "current",
      ]);
      expect([s.aal, s.amr]).toEqual(["aal1", ["pwd"]]);
      expect(new Date(s.expires_at).getTime() - new Date(s.created_at).getTime()).toBe(30 * 86_400_000);
    }
    expect(JSON.stringify(sessions)).not.toContain(phone.refresh.split(".")[1]!);

    // A refresh is the session's last use; an ended session leaves the list.
    const before = sessions[1]!.last_used_at;
    await new Promise((r) => setTimeout(r, 5));
    expect((await post("/api/token/refresh/", { refresh: phone.refresh })).status).toBe(200);
    expect((await sessionsOf(laptop))[1]!.last_used_at > before).toBe(true);
  });

  it("ends one session: its access and refresh tokens are refused at once; the others live", async () => {
    const user = await registerUser();
    const phone = await login(user.username, user.password);
    const phoneSession = (await sessionsOf(phone)).find((s) => s.current)!;
    const res = await call("DELETE", `/api/sessions/${phoneSession.id}/`, undefined, { token: user.access });
    expect(res.status).toBe(204);
    expect((await get("/api/users/me/", { token: phone.access })).status).toBe(401);
    expect((await post("/api/token/refresh/", { refresh: phone.refresh })).status).toBe(401);
    expect((await get("/api/users/me/", { token: user.access })).status).toBe(200);
    expect((await sessionsOf(user)).map((s) => s.id)).not.toContain(phoneSession.id);
  });

  it("someone else's session is the same 404 as one that never existed, and stays live", async () => {
    const [owner, attacker] = await Promise.all([registerUser(), registerUser()]);
    const target = (await sessionsOf(owner))[0]!;
    for (const id of [target.id, "0".repeat(32)]) {
      const res = await call("DELETE", `/api/sessions/${id}/`, undefined, { token: attacker.access });
      expect([res.status, await res.json()]).toEqual([404, { detail: "No Session matches the given query." }]);
    }
    expect(await rowOf("sessions", target.id)).toMatchObject({ revoked_at: null });
    expect((await get("/api/users/me/", { token: owner.access })).status).toBe(200);
  });

  it("logs out everywhere: every session of the caller ends, this one included", async () => {
    const user = await registerUser();
    const other = await login(user.username, user.password);
    expect((await call("DELETE", "/api/sessions/", undefined, { token: user.access })).status).toBe(204);
    for (const tokens of [user, other]) {
      expect((await get("/api/users/me/", { token: tokens.access })).status).toBe(401);
      expect((await post("/api/token/refresh/", { refresh: tokens.refresh })).status).toBe(401);
    }
  });

  it("staff end every session of an account; for a superuser's, only a superuser", async () => {
    const [admin, user, root] = await Promise.all([staffUser(), registerUser(), superuser()]);
    expect((await call("DELETE", `/api/users/${user.id}/sessions/`, undefined, { token: user.access })).status).toBe(
      403,
    );
    expect((await call("DELETE", `/api/users/${user.id}/sessions/`, undefined, { token: admin.access })).status).toBe(
      204,
    );
    expect((await get("/api/users/me/", { token: user.access })).status).toBe(401);

    const refused = await call("DELETE", `/api/users/${root.id}/sessions/`, undefined, { token: admin.access });
    expect([refused.status, await refused.json()]).toEqual([403, FORBIDDEN]);
    expect((await get("/api/users/me/", { token: root.access })).status).toBe(200);
  });

  it("needs a signed-in user", async () => {
    expect((await get("/api/sessions/")).status).toBe(401);
    expect((await call("DELETE", "/api/sessions/")).status).toBe(401);
  });
});
