import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { claimsOf, post, registerUser, setActive, unique } from "./helpers";
import { freezeClock } from "./helpers/clock";

const NO_ACTIVE_ACCOUNT = { detail: "No active account found with the given credentials" };
const obtain = (body: unknown) => post("/api/token/", body);

/** Counts PBKDF2 derivations made while `run` runs (the setup file's guard wraps deriveBits). */
async function countDerivations(run: () => Promise<unknown>): Promise<number> {
  const spy = vi.spyOn(crypto.subtle, "deriveBits");
  try {
    await run();
    return spy.mock.calls.filter(([algorithm]) => (algorithm as { name: string }).name === "PBKDF2").length;
  } finally {
    spy.mockRestore();
  }
}

describe("POST /api/token/", () => {
  it("answers a token pair shaped like simplejwt's and records last_login", async () => {
    const user = await registerUser();
    const res = await obtain({ username: user.username, password: user.password });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    const body = (await res.json()) as { refresh: string; access: string };
    expect(Object.keys(body)).toEqual(["refresh", "access"]);

    // PyJWT's sorted header, plus the kid of the key that signed it (the current one of the test set).
    for (const token of [body.access, body.refresh]) {
      const header = JSON.parse(atob(token.split(".")[0]!));
      expect(header).toEqual({ alg: "HS256", kid: "test-hs256-current", typ: "JWT" });
      expect(Object.keys(header)).toEqual(["alg", "kid", "typ"]);
    }
    const access = claimsOf(body.access);
    const refresh = claimsOf(body.refresh);
    expect(Object.keys(access).slice(0, 5)).toEqual(["token_type", "exp", "iat", "jti", "user_id"]);
    expect(access).toMatchObject({ token_type: "access", user_id: String(user.id) });
    expect(refresh).toMatchObject({ token_type: "refresh", user_id: String(user.id) });
    expect((access.exp as number) - (access.iat as number)).toBe(3600);
    expect((refresh.exp as number) - (refresh.iat as number)).toBe(86400);
    expect(access.jti).toMatch(/^[0-9a-f]{32}$/);
    expect(refresh.jti).toMatch(/^[0-9a-f]{32}$/);
    expect(access.jti).not.toBe(refresh.jti);
    expect(access.fam).toBe(refresh.fam);

    const row = await env.DB.prepare("SELECT last_login FROM users WHERE id = ?")
      .bind(user.id)
      .first<{ last_login: number }>();
    expect(Date.now() - row!.last_login).toBeLessThan(60_000);
  });

  it("gives one identical 401 for a wrong password, an unknown user and an inactive user", async () => {
    const user = await registerUser();
    const inactive = await registerUser();
    await setActive(inactive.id, false);
    const responses = await Promise.all([
      obtain({ username: user.username, password: "wrong password here" }),
      obtain({ username: unique("ghost"), password: user.password }),
      obtain({ username: inactive.username, password: inactive.password }),
    ]);
    for (const res of responses) {
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="api"');
      expect(await res.json()).toEqual(NO_ACTIVE_ACCOUNT);
    }
  });

  it("spends exactly one password derivation whether or not the username exists", async () => {
    const user = await registerUser();
    expect(await countDerivations(() => obtain({ username: unique("ghost"), password: "anything at all" }))).toBe(1);
    expect(await countDerivations(() => obtain({ username: user.username, password: "wrong password here" }))).toBe(1);
  });

  it("does not record last_login for a failed login", async () => {
    const user = await registerUser();
    await obtain({ username: user.username, password: "wrong password here" });
    const row = await env.DB.prepare("SELECT last_login FROM users WHERE id = ?").bind(user.id).first();
    expect(row).toEqual({ last_login: null });
  });

  it("reports missing and blank fields as simplejwt's serializer does", async () => {
    let res = await obtain({});
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ username: ["This field is required."], password: ["This field is required."] });
    res = await obtain({ username: "", password: "" });
    expect(await res.json()).toEqual({
      username: ["This field may not be blank."],
      password: ["This field may not be blank."],
    });
  });

  it("refuses credentials in the query string", async () => {
    const user = await registerUser();
    const res = await post(`/api/token/?username=${user.username}&password=${encodeURIComponent(user.password)}`);
    expect(res.status).toBe(400);
  });

  it("refuses a password over 4096 characters without hashing it", async () => {
    const user = await registerUser();
    let res: Response | undefined;
    const derivations = await countDerivations(async () => {
      res = await obtain({ username: user.username, password: "p".repeat(4097) });
    });
    expect(res!.status).toBe(400);
    expect(derivations).toBe(0);
  });
});

describe("POST /api/token/verify/", () => {
  it("answers {} for a valid access or refresh token", async () => {
    const user = await registerUser();
    for (const token of [user.access, user.refresh]) {
      const res = await post("/api/token/verify/", { token });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    }
  });

  it("answers 401 token_not_valid for a tampered token", async () => {
    const user = await registerUser();
    const [h, p, s] = user.access.split(".");
    const tampered = `${h}.${p}.${s!.startsWith("A") ? "B" : "A"}${s!.slice(1)}`;
    const res = await post("/api/token/verify/", { token: tampered });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: "Token is invalid", code: "token_not_valid" });
  });

  it("answers 'Token is expired' once exp has passed", async () => {
    const user = await registerUser();
    freezeClock().advance(3601 * 1000);
    const res = await post("/api/token/verify/", { token: user.access });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: "Token is expired", code: "token_not_valid" });
  });

  it("requires the token field", async () => {
    const res = await post("/api/token/verify/", {});
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ token: ["This field is required."] });
  });
});
