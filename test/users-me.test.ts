import { describe, expect, it } from "vitest";
import { get, registerUser, UNAUTHENTICATED } from "./helpers";

describe("GET /api/users/me/", () => {
  it("returns the caller's account without the password hash", async () => {
    const user = await registerUser({ email: "me@example.com", first_name: "Ada" });
    const res = await get("/api/users/me/", { token: user.access });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      id: user.id,
      username: user.username,
      email: "me@example.com",
      email_verified: false,
      first_name: "Ada",
      last_name: "",
      is_staff: false,
      is_active: true,
      is_superuser: false,
      date_joined: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      last_login: null,
    });
    expect(JSON.stringify(body)).not.toContain("pbkdf2");
  });

  it("is 401 for an anonymous request, with the Bearer challenge", async () => {
    const res = await get("/api/users/me/");
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="api"');
    expect(await res.json()).toEqual(UNAUTHENTICATED);
  });
});
