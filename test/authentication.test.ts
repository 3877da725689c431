import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { call, claimsOf, get, me, registerUser, setActive, UNAUTHENTICATED, unique } from "./helpers";
import { freezeClock } from "./helpers/clock";
import { keyOf, signWith as signWithKey, testKeySet } from "./helpers/key-sets";
import { b64url, expectRefusedAccess } from "./helpers/tokens";

/** GET /api/users/me/ with exactly this Authorization header (none when undefined). */
const meWith = (authorization?: string) =>
  me(undefined, { headers: authorization ? { Authorization: authorization } : {} });

const currentKey = keyOf(testKeySet(), "current");

/** A token with the given claims, signed with the server's own current key (and kid) under `alg`. */
const signWith = (alg: string, claims: Record<string, unknown>) => signWithKey(currentKey, claims, { alg });

async function expectInvalidToken(res: Response, message: string) {
  expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="api"');
  await expectRefusedAccess(res, message);
}

describe("Bearer authentication", () => {
  it("authenticates a valid access token", async () => {
    const user = await registerUser();
    const res = await me(user.access);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: number }).id).toBe(user.id);
  });

  it("treats a missing header, or a scheme other than exactly 'Bearer', as anonymous", async () => {
    const user = await registerUser();
    for (const header of [undefined, `bearer ${user.access}`, `Token ${user.access}`, `Basic ${btoa("a:b")}`]) {
      const res = await meWith(header);
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="api"');
      expect(await res.json()).toEqual(UNAUTHENTICATED);
    }
  });

  it("refuses 'Bearer' with no value or two values", async () => {
    for (const header of ["Bearer", "Bearer a b"]) {
      const res = await meWith(header);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        detail: "Authorization header must contain two space-delimited values",
        code: "bad_authorization_header",
      });
    }
  });

  it("refuses alg: none, in any spelling", async () => {
    const user = await registerUser();
    const [, payload] = user.access.split(".");
    for (const alg of ["none", "None", "NONE"]) {
      await expectInvalidToken(await me(`${b64url({ alg, typ: "JWT" })}.${payload}.`), "Token is invalid");
    }
  });

  it("refuses HS384 and HS512 tokens even when signed with the right secret", async () => {
    const user = await registerUser();
    const claims = claimsOf(user.access);
    for (const alg of ["HS384", "HS512"]) {
      await expectInvalidToken(await me(await signWith(alg, claims)), "Token is invalid");
    }
  });

  it("refuses an RS256 header and attacker-supplied key material", async () => {
    const user = await registerUser();
    const [, payload, signature] = user.access.split(".");
    const headers = [
      { alg: "RS256", typ: "JWT" },
      { alg: "HS256", typ: "JWT", jwk: { kty: "oct", k: b64url("attacker") } },
    ];
    for (const header of headers) {
      const res = await me(`${b64url(header)}.${payload}.${signature}`);
      expect(res.status).toBe(401);
    }
  });

  it("refuses a payload changed under the original signature", async () => {
    const [alice, bob] = await Promise.all([registerUser(), registerUser()]);
    const [header, , signature] = alice.access.split(".");
    const forged = b64url({ ...claimsOf(alice.access), user_id: String(bob.id) });
    await expectInvalidToken(await me(`${header}.${forged}.${signature}`), "Token is invalid");
  });

  it("refuses a token signed with another secret", async () => {
    const user = await registerUser();
    const other = await new SignJWT(claimsOf(user.access))
      .setProtectedHeader({ alg: "HS256", kid: currentKey.kid, typ: "JWT" })
      .sign(new TextEncoder().encode("another-secret-of-more-than-thirty-two-bytes"));
    await expectInvalidToken(await me(other), "Token is invalid");
  });

  it.each(["garbage", "a.b", "a.b.c.d", `${"x".repeat(100_000)}.y.z`])(
    "refuses the malformed token %#",
    async (token) => {
      await expectInvalidToken(await me(token), "Token is invalid");
    },
  );

  it("refuses a refresh token used as a Bearer token", async () => {
    const user = await registerUser();
    await expectInvalidToken(await me(user.refresh), "Token has wrong type");
  });

  it("refuses an expired access token, even on an endpoint that allows anyone", async () => {
    const user = await registerUser();
    freezeClock().advance(3600 * 1000);
    await expectInvalidToken(await me(user.access), "Token is expired");
    const register = await call("POST", "/api/register/", { username: unique() }, { token: user.access });
    await expectInvalidToken(register, "Token is expired");
  });

  it("refuses a token issued in the future", async () => {
    const user = await registerUser();
    const claims = { ...claimsOf(user.access), iat: Math.floor(Date.now() / 1000) + 600 };
    await expectInvalidToken(await me(await signWith("HS256", claims)), "Token is invalid");
  });

  it("refuses a token without a jti or a token_type", async () => {
    const user = await registerUser();
    const { jti: _, ...noJti } = claimsOf(user.access);
    await expectInvalidToken(await me(await signWith("HS256", noJti)), "Token has no id");
    const { token_type: __, ...noType } = claimsOf(user.access);
    await expectInvalidToken(await me(await signWith("HS256", noType)), "Token has no type");
  });

  it("answers user_not_found for a deleted user and user_inactive for an inactive one", async () => {
    const [gone, idle] = await Promise.all([registerUser(), registerUser()]);
    await env.DB.prepare("DELETE FROM users WHERE id = ?").bind(gone.id).run();
    await setActive(idle.id, false);
    let res = await me(gone.access);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: "User not found", code: "user_not_found" });
    res = await me(idle.access);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: "User is inactive", code: "user_inactive" });
  });

  it("ignores the Authorization header on the token endpoints, as simplejwt does", async () => {
    const user = await registerUser();
    const res = await call(
      "POST",
      "/api/token/verify/",
      { token: user.access },
      { headers: { Authorization: "Bearer junk" } },
    );
    expect(res.status).toBe(200);
  });

  it("serves the same answer to HEAD as to GET, without a body", async () => {
    const user = await registerUser();
    const res = await call("HEAD", "/api/users/me/", undefined, { token: user.access });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    expect((await get("/api/users/me/")).status).toBe(401);
  });
});
