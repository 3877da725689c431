import { describe, expect, it } from "vitest";
import { currentKey } from "../src/lib/key-set";
import { userIdOf } from "../src/services/tokens";
import { claimsOf, registerUser } from "./helpers";
import { envWith, resign, signWith, testKeySet, workerWith } from "./helpers/key-sets";
import { expectRefusedAccess, expectRefusedToken } from "./helpers/tokens";

const set = testKeySet();
const key = currentKey(set);
const ISSUER = "https://api.example.com";
const AUDIENCE = "https://app.example.com";

/** A NumericDate `seconds` from now. */
const nowIn = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

describe("JWT_ISSUER and JWT_AUDIENCE (simplejwt's ISSUER and AUDIENCE)", () => {
  const api = workerWith(envWith(set, { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }));

  it("are written last, after simplejwt's claims, and required back", async () => {
    const { access, refresh } = await api.register();
    for (const token of [access, refresh]) {
      const claims = claimsOf(token);
      expect(Object.keys(claims)).toEqual([
        "token_type",
        "exp",
        "iat",
        "jti",
        "user_id",
        "fam",
        "aal",
        "amr",
        "aud",
        "iss",
      ]);
      expect(claims).toMatchObject({ aud: AUDIENCE, iss: ISSUER });
    }
    expect((await api.me(access)).status).toBe(200);
    expect((await api.refresh(refresh)).status).toBe(200);
  });

  it("refuse a token without them or with other values", async () => {
    const { access, refresh } = await api.register();
    const claims = claimsOf(access);
    const variants = [
      { ...claims, iss: undefined },
      { ...claims, aud: undefined },
      { ...claims, iss: "https://other.example.com" },
      { ...claims, aud: "https://other.example.com" },
      { ...claims, aud: [] },
    ];
    for (const variant of variants) {
      await expectRefusedAccess(await api.me(await signWith(key, JSON.parse(JSON.stringify(variant)))));
    }
    await expectRefusedToken(await api.refresh(await signWith(key, { ...claimsOf(refresh), iss: "elsewhere" })));
  });

  it("are neither written nor checked when unset", async () => {
    const user = await registerUser();
    expect(Object.keys(claimsOf(user.access))).not.toContain("iss");
    expect(Object.keys(claimsOf(user.access))).not.toContain("aud");
    const stamped = await resign(user.access, key);
    const other = await signWith(key, { ...claimsOf(user.access), iss: "anyone", aud: "anything" });
    const plain = workerWith(envWith(set));
    expect((await plain.me(stamped)).status).toBe(200);
    expect((await plain.me(other)).status).toBe(200);
  });
});

describe("JWT_LEEWAY (simplejwt's LEEWAY)", () => {
  const at = async (api: ReturnType<typeof workerWith>, access: string, times: { exp?: number; iat?: number }) =>
    api.me(await signWith(key, { ...claimsOf(access), ...times }));

  it("is 0 by default: a token that expired a second ago is expired, one issued a second ahead is invalid", async () => {
    const api = workerWith(envWith(set));
    const { access } = await api.register();
    await expectRefusedAccess(await at(api, access, { exp: nowIn(-1) }), "Token is expired");
    await expectRefusedAccess(await at(api, access, { exp: nowIn(0) }), "Token is expired");
    await expectRefusedAccess(await at(api, access, { iat: nowIn(2) }));
  });

  it("tolerates that many seconds on exp and on an iat in the future, and no more", async () => {
    const api = workerWith(envWith(set, { JWT_LEEWAY: "30" }));
    const { access } = await api.register();
    expect((await at(api, access, { exp: nowIn(-20) })).status).toBe(200);
    await expectRefusedAccess(await at(api, access, { exp: nowIn(-40) }), "Token is expired");
    expect((await at(api, access, { iat: nowIn(20) })).status).toBe(200);
    await expectRefusedAccess(await at(api, access, { iat: nowIn(40) }));
  });
});

describe("user_id: a canonical positive integer string", () => {
  it.each(["2.0", " 2", "2 ", "02", "+2", "2e0", "", "0", "-2", "0x2", "2_0", "९"])(
    "refuses %j as simplejwt's get_user does",
    async (spelling) => {
      const user = await registerUser();
      const id = String(user.id);
      const claims = { ...claimsOf(user.access), user_id: spelling.replace("2", id) };
      const res = await workerWith(envWith(set)).me(await signWith(key, claims));
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        detail: "Token contained no recognizable user identification",
        code: "token_not_valid",
      });
    },
  );

  it("accepts the canonical spelling (the control for the cases above)", async () => {
    const user = await registerUser();
    const claims = { ...claimsOf(user.access), user_id: String(user.id) };
    expect((await workerWith(envWith(set)).me(await signWith(key, claims))).status).toBe(200);
  });

  it("userIdOf reads only the canonical spelling, within JavaScript's safe integers", () => {
    expect(userIdOf({ user_id: "2" })).toBe(2);
    expect(userIdOf({ user_id: "9007199254740991" })).toBe(9007199254740991);
    for (const user_id of ["9007199254740993", "2.0", "02", "+2", " 2", "2e0", "", "0", 2, null, undefined]) {
      expect(userIdOf({ user_id }), String(user_id)).toBeNull();
    }
  });
});
