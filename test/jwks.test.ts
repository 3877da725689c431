import { calculateJwkThumbprint, createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { currentKey, type KeySet, publicJwk, publishedKeys } from "../src/lib/key-set";
import { jwksResponse } from "../src/schemas/jwks";
import { generateKey, initKeySet, rotateKeys } from "../src/services/key-rotation";
import { get, randomIp } from "./helpers";
import { envWith, keyOf, workerWith } from "./helpers/key-sets";

const PATH = "/.well-known/jwks.json";
const PUBLIC_MEMBERS = {
  EC: ["alg", "crv", "kid", "kty", "use", "x", "y"],
  OKP: ["alg", "crv", "kid", "kty", "use", "x"],
};

describe("GET /.well-known/jwks.json", () => {
  let es256: KeySet;
  beforeAll(async () => {
    // current, next and previous, as after one rotation.
    es256 = (await rotateKeys(await initKeySet("ES256"), "ES256")).set;
  });

  it("answers 404 with DRF's body while the API signs with HS256 (a shared secret has no public half)", async () => {
    const res = await get(PATH);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: "Not found." });
    const hs = workerWith(envWith((await rotateKeys(await initKeySet("HS256"), "HS256")).set));
    expect((await hs.call("GET", PATH)).status).toBe(404);
  });

  it("publishes the public halves of the current, next and previous keys, and nothing private", async () => {
    const res = await workerWith(envWith(es256)).call("GET", PATH);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=600");
    const body = (await res.json()) as { keys: Record<string, string>[] };
    expect(Object.keys(body)).toEqual(["keys"]);
    expect(jwksResponse.parse(body)).toEqual(body);
    expect(body).toEqual(publishedKeys(es256));
    const expected = ["current", "next", "previous"].map((state) => keyOf(es256, state as "current"));
    expect(body.keys.map((k) => k.kid)).toEqual(expected.map((k) => k.kid));
    for (const [i, jwk] of body.keys.entries()) {
      expect(Object.keys(jwk).sort()).toEqual(PUBLIC_MEMBERS.EC);
      expect(jwk).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
      expect(jwk.kid).toBe(await calculateJwkThumbprint(jwk));
      expect(jwk).toEqual(publicJwk(expected[i] as Parameters<typeof publicJwk>[0]));
    }
    expect(JSON.stringify(body)).not.toMatch(/"d"|"k"|"state"|"key_ops"/);
  });

  it("lets a third party verify the API's tokens with it, picking the key by kid", async () => {
    const api = workerWith(envWith(es256));
    const { access } = await api.register();
    const jwks = (await (await api.call("GET", PATH)).json()) as JSONWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(access, createLocalJWKSet(jwks), { algorithms: ["ES256"] });
    expect(protectedHeader.kid).toBe(currentKey(es256).kid);
    expect(payload.token_type).toBe("access");
  });

  it("publishes EdDSA keys as OKP, with x alone", async () => {
    const ed = await initKeySet("EdDSA");
    const body = (await (await workerWith(envWith(ed)).call("GET", PATH)).json()) as { keys: Record<string, string>[] };
    expect(jwksResponse.parse(body)).toEqual(body);
    expect(body.keys.map((k) => k.kid)).toEqual([currentKey(ed).kid, keyOf(ed, "next").kid]);
    for (const jwk of body.keys) {
      expect(Object.keys(jwk).sort()).toEqual(PUBLIC_MEMBERS.OKP);
      expect(jwk).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    }
  });

  it("never publishes an HS256 key, even beside asymmetric ones (the set of a move from HS256)", async () => {
    const hsPrevious = await generateKey("HS256", "previous");
    const mixed = { keys: [...(await initKeySet("ES256")).keys, hsPrevious] };
    const body = (await (await workerWith(envWith(mixed)).call("GET", PATH)).json()) as { keys: { kid: string }[] };
    expect(body.keys.map((k) => k.kid)).toEqual(mixed.keys.filter((k) => k.alg === "ES256").map((k) => k.kid));
    // While HS256 still signs, the ES256 key waiting as next is published ahead of its first token.
    const staged = (await rotateKeys(await initKeySet("HS256"), "ES256")).set;
    const early = await workerWith(envWith(staged)).call("GET", PATH);
    expect(((await early.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid)).toEqual([
      keyOf(staged, "next").kid,
    ]);
  });

  it("needs no authentication and is not throttled", async () => {
    const api = workerWith(envWith(es256));
    const res = await api.call("GET", PATH, undefined, "not-a-token");
    expect(res.status).toBe(200);
    expect(res.headers.has("RateLimit")).toBe(false);
    // More than the burst rate (60/min) from one address.
    const ip = randomIp();
    const statuses = await Promise.all(
      Array.from({ length: 65 }, () => get(PATH, { ip, headers: { Authorization: "Bearer junk" } })),
    );
    expect(new Set(statuses.map((r) => r.status))).toEqual(new Set([404]));
  });
});
