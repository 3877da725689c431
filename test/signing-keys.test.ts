import { calculateJwkThumbprint, SignJWT } from "jose";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { currentKey, type KeySet, publicJwk, type SigningAlgorithm } from "../src/lib/key-set";
import { generateKey, initKeySet, revokeKey, rotateKeys } from "../src/services/key-rotation";
import { envWith, keyOf, resign, rotateWhenDue, workerWith } from "./helpers/key-sets";
import { loggedErrorMessages } from "./helpers/log-lines";
import { b64url, claimsOf, expectRefusedAccess, expectRefusedToken, headerOf } from "./helpers/tokens";

describe.each(["HS256", "ES256", "EdDSA"] as const)("signing keys, %s", (alg: SigningAlgorithm) => {
  // One key set per stage of its life; a Worker for each, sharing the database (as deploys do).
  let initial: KeySet;
  let rotated: KeySet;
  let rotatedTwice: KeySet;
  beforeAll(async () => {
    initial = await initKeySet(alg);
    rotated = (await rotateKeys(initial, alg)).set;
    rotatedTwice = (await rotateWhenDue(rotated, alg)).set;
  });

  it("signs every token with the current key, naming it by kid", async () => {
    const api = workerWith(envWith(initial));
    const { access, refresh } = await api.register();
    const current = currentKey(initial);
    for (const token of [access, refresh]) expect(headerOf(token)).toEqual({ alg, kid: current.kid, typ: "JWT" });
    if (current.kty !== "oct") expect(current.kid).toBe(await calculateJwkThumbprint(publicJwk(current)));
    expect((await api.me(access)).status).toBe(200);
    expect((await api.verify(access)).status).toBe(200);
  });

  it("rotation logs nobody out: tokens of the previous key still work, refresh re-signs with the new current one", async () => {
    const before = await workerWith(envWith(initial)).register();
    const api = workerWith(envWith(rotated));
    expect((await api.me(before.access)).status).toBe(200);
    const res = await api.refresh(before.refresh);
    expect(res.status).toBe(200);
    const after = (await res.json()) as { access: string; refresh: string };
    for (const token of [after.access, after.refresh]) expect(headerOf(token).kid).toBe(currentKey(rotated).kid);
    expect(currentKey(rotated).kid).toBe(keyOf(initial, "next").kid);
    expect((await api.me(after.access)).status).toBe(200);
  });

  it("tokens of the new current key verify where the old set is still deployed (its next key)", async () => {
    const fresh = await workerWith(envWith(rotated)).register();
    expect((await workerWith(envWith(initial)).me(fresh.access)).status).toBe(200);
  });

  it("a second rotation drops the oldest key: its tokens are refused at once", async () => {
    const old = await workerWith(envWith(initial)).register();
    const middle = await workerWith(envWith(rotated)).register();
    const api = workerWith(envWith(rotatedTwice));
    await expectRefusedAccess(await api.me(old.access));
    await expectRefusedToken(await api.refresh(old.refresh));
    expect((await api.me(middle.access)).status).toBe(200);
  });

  it("revoking a previous key refuses its tokens at once, access and refresh", async () => {
    const user = await workerWith(envWith(initial)).register();
    const revoked = (await revokeKey(rotated, currentKey(initial).kid, alg)).set;
    const api = workerWith(envWith(revoked));
    await expectRefusedAccess(await api.me(user.access));
    await expectRefusedToken(await api.refresh(user.refresh));
    await expectRefusedToken(await api.verify(user.access));
  });

  it("revoking the current key promotes the next one: new tokens carry its kid, the revoked key's are refused", async () => {
    const user = await workerWith(envWith(initial)).register();
    const change = await revokeKey(initial, currentKey(initial).kid, alg);
    const api = workerWith(envWith(change.set));
    await expectRefusedAccess(await api.me(user.access));
    const fresh = await api.register();
    expect(headerOf(fresh.access).kid).toBe(keyOf(initial, "next").kid);
    expect((await api.me(fresh.access)).status).toBe(200);
  });

  it("refuses a token whose kid is missing, unknown, or only a prefix, case or property name away from ours", async () => {
    const api = workerWith(envWith(initial));
    const { access } = await api.register();
    const key = currentKey(initial);
    const kids = [
      undefined,
      "unknown",
      key.kid.slice(0, -1),
      key.kid.toUpperCase(),
      `${key.kid} `,
      "__proto__",
      "constructor",
      1,
    ];
    for (const kid of kids) {
      if (kid === key.kid) continue;
      await expectRefusedAccess(await api.me(await resign(access, key, { kid })));
    }
    expect((await api.me(await resign(access, key))).status).toBe(200);
  });

  it.each(["jku", "x5u", "jwk", "x5c"])(
    "refuses a token whose header carries %s, even correctly signed",
    async (member) => {
      const api = workerWith(envWith(initial));
      const { access } = await api.register();
      const key = currentKey(initial);
      const values: Record<string, unknown> = {
        jku: "https://attacker.example/jwks.json",
        x5u: "https://attacker.example/cert.pem",
        jwk: key.kty === "oct" ? { kty: "oct", k: "YXR0YWNrZXI" } : publicJwk(key),
        x5c: ["MIIB"],
      };
      await expectRefusedAccess(await api.me(await resign(access, key, { [member]: values[member] })));
      await expectRefusedToken(await api.verify(await resign(access, key, { [member]: values[member] })));
    },
  );

  it("refuses alg none and an unsigned token under a known kid", async () => {
    const api = workerWith(envWith(initial));
    const { access } = await api.register();
    const [, payload] = access.split(".");
    for (const none of ["none", "None", "NONE"]) {
      const header = b64url({ alg: none, kid: currentKey(initial).kid, typ: "JWT" });
      await expectRefusedAccess(await api.me(`${header}.${payload}.`));
    }
  });
});

describe("algorithm confusion", () => {
  it("refuses an HS256 token made with an ES256 key's public half as the secret", async () => {
    const set = await initKeySet("ES256");
    const api = workerWith(envWith(set));
    const { access } = await api.register();
    const key = currentKey(set);
    if (key.kty !== "EC") throw new Error("unreachable");
    const jwk = publicJwk(key);
    const secrets = [JSON.stringify(jwk), key.x, `${key.x}${key.y}`, JSON.stringify({ keys: [jwk] })];
    for (const secret of secrets) {
      const forged = await new SignJWT(claimsOf(access))
        .setProtectedHeader({ alg: "HS256", kid: key.kid, typ: "JWT" })
        .sign(new TextEncoder().encode(secret));
      await expectRefusedAccess(await api.me(forged));
    }
  });

  it("pins each key to its own algorithm: an EdDSA header on an ES256 kid, an ES256 token on an HS256 kid", async () => {
    const es = await initKeySet("ES256");
    const ed = await generateKey("EdDSA", "previous");
    const api = workerWith(envWith({ keys: [...es.keys, ed] }));
    const { access } = await api.register();
    // Signed by the EdDSA key but claiming the ES256 key's kid, and the other way round.
    await expectRefusedAccess(await api.me(await resign(access, ed, { kid: currentKey(es).kid })));
    await expectRefusedAccess(await api.me(await resign(access, currentKey(es), { kid: ed.kid })));
    expect((await api.me(await resign(access, ed))).status).toBe(200);

    const hs = await initKeySet("HS256");
    const attacker = await generateKey("ES256", "current");
    const hsApi = workerWith(envWith(hs));
    const user = await hsApi.register();
    await expectRefusedAccess(await hsApi.me(await resign(user.access, attacker, { kid: currentKey(hs).kid })));
  });

  it("moves from HS256 to ES256 by rotation without logging anyone out", async () => {
    const hs = await initKeySet("HS256");
    const user = await workerWith(envWith(hs)).register();
    // rotate --algorithm ES256: an ES256 next key is published behind the HS256 current one...
    const staged = (await rotateKeys(hs, "ES256")).set;
    expect(keyOf(staged, "next").alg).toBe("ES256");
    // ...and the next rotation, once it has been published long enough (with JWT_ALGORITHM = "ES256"), makes it sign.
    const moved = (await rotateWhenDue(staged, "ES256")).set;
    expect(currentKey(moved).alg).toBe("ES256");
    const api = workerWith(envWith(moved));
    expect((await api.me((await workerWith(envWith(staged)).register()).access)).status).toBe(200);
    // The first HS256 key was dropped by the second rotation; a refresh token it signed is refused...
    await expectRefusedToken(await api.refresh(user.refresh));
    // ...one signed by the HS256 key that was current until now still refreshes, into ES256 tokens.
    const middle = await workerWith(envWith(staged)).register();
    const res = await api.refresh(middle.refresh);
    expect(res.status).toBe(200);
    expect(headerOf(((await res.json()) as { access: string }).access)).toMatchObject({ alg: "ES256" });
  });
});

describe("a malformed key set", () => {
  const cases: [string, (set: KeySet) => unknown, RegExp][] = [
    ["not JSON", () => "{keys:", /JWT_SIGNING_KEYS is not valid JSON/],
    ["no current key", (s) => ({ keys: s.keys.map((k) => ({ ...k, state: "previous" })) }), /no current key/],
    ["two current keys", (s) => ({ keys: s.keys.map((k) => ({ ...k, state: "current" })) }), /2 current keys/],
    ["a key without kid", (s) => ({ keys: s.keys.map(({ kid: _, ...k }) => k) }), /no "kid"/],
    ["a public-only key", (s) => ({ keys: s.keys.map((k) => ({ ...k, d: undefined })) }), /no private part "d"/],
    ["an unknown alg", (s) => ({ keys: s.keys.map((k) => ({ ...k, alg: "RS256" })) }), /no "alg" this API signs with/],
  ];

  it.each(cases)(
    "(%s) answers 500 to every request and logs what is wrong with JWT_SIGNING_KEYS",
    async (_, mangle, problem) => {
      const log = vi.spyOn(console, "error").mockImplementation(() => {});
      const set = await initKeySet("ES256");
      const raw = mangle(set);
      const api = workerWith(envWith(set, { JWT_SIGNING_KEYS: typeof raw === "string" ? raw : JSON.stringify(raw) }));
      const { d } = currentKey(set) as { d: string };
      for (const res of [await api.call("GET", "/api/books/"), await api.call("GET", "/.well-known/jwks.json")]) {
        expect(res.status).toBe(500);
        expect(await res.json()).toEqual({ detail: "The server is misconfigured." });
      }
      expect(loggedErrorMessages(log)).toContainEqual(expect.stringMatching(problem));
      expect(loggedErrorMessages(log)).toContainEqual(expect.stringContaining("JWT_SIGNING_KEYS"));
      expect(JSON.stringify(log.mock.calls)).not.toContain(d);
    },
  );

  it("reports a key Web Crypto cannot import (a point off the curve) the same way, on the first token", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const set = await initKeySet("ES256");
    const broken = { keys: set.keys.map((k) => (k.state === "current" ? { ...k, y: k.kty === "EC" ? k.x : "" } : k)) };
    const api = workerWith(envWith(broken as KeySet));
    const res = await api.me("any.bearer.token");
    expect(res.status).toBe(500);
    expect(loggedErrorMessages(log)).toContainEqual(
      expect.stringMatching(/JWT_SIGNING_KEYS key ".+" \(ES256\) cannot be imported/),
    );
  });

  it("refuses a current key of another algorithm than JWT_ALGORITHM", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const api = workerWith(envWith(await initKeySet("EdDSA"), { JWT_ALGORITHM: "ES256" }));
    expect((await api.call("GET", "/api/books/")).status).toBe(500);
    expect(loggedErrorMessages(log)).toContainEqual(
      expect.stringMatching(/current key ".+" is EdDSA but JWT_ALGORITHM is ES256/),
    );
  });
});
