import { base64url, calculateJwkThumbprint } from "jose";
import { describe, expect, it } from "vitest";
import { currentKey, JWKS_MAX_AGE_SECONDS, type KeySet, parseKeySet, publicJwk } from "../../src/lib/key-set";
import {
  describeKeys,
  generateKey,
  initKeySet,
  KeyRotationError,
  nextKeyReadyAt,
  revokeKey,
  rotateKeys,
} from "../../src/services/key-rotation";
import { rotateWhenDue } from "../helpers/key-sets";

const states = (set: KeySet) => set.keys.map((k) => [k.kid, k.state]);
const kidOf = (set: KeySet, state: string) => set.keys.find((k) => k.state === state)?.kid;
/** What a set must be to be deployed: parseKeySet's own checks. */
const valid = (set: KeySet) => parseKeySet(JSON.stringify(set), currentKey(set).alg);

// The clock of the cadence tests: a fixed start, and minutes after it.
const T0 = Date.parse("2026-12-01T09:00:00.000Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

describe("generateKey", () => {
  it("makes an HS256 key of 32 random bytes under a random kid, not a hash of the secret", async () => {
    const [a, b] = await Promise.all([generateKey("HS256", "current"), generateKey("HS256", "current")]);
    if (a.kty !== "oct" || b.kty !== "oct") throw new Error("unreachable");
    expect(base64url.decode(a.k)).toHaveLength(32);
    expect(a.k).not.toBe(b.k);
    expect(a.kid).toMatch(/^[0-9a-f]{32}$/);
    expect(a.kid).not.toBe(await calculateJwkThumbprint({ kty: "oct", k: a.k }));
  });

  it.each(["ES256", "EdDSA"] as const)(
    "makes a %s key whose kid is the RFC 7638 thumbprint of its public half",
    async (alg) => {
      const key = await generateKey(alg, "next");
      if (key.kty === "oct") throw new Error("unreachable");
      expect(key).toMatchObject({ alg, use: "sig", state: "next", kty: alg === "ES256" ? "EC" : "OKP" });
      expect(key.kid).toBe(await calculateJwkThumbprint(publicJwk(key)));
      expect(key.d).toEqual(expect.any(String));
      valid({ keys: [{ ...key, state: "current" }] });
    },
  );
});

describe("initKeySet", () => {
  it("makes a current key and a next one behind it", async () => {
    const set = valid(await initKeySet("ES256"));
    expect(set.keys.map((k) => [k.alg, k.state])).toEqual([
      ["ES256", "current"],
      ["ES256", "next"],
    ]);
  });
});

describe("rotateKeys", () => {
  it("makes next current, current previous, drops the old previous and adds a fresh next", async () => {
    const first = await initKeySet("HS256");
    const second = await rotateKeys(first, "HS256");
    expect(states(second.set)).toEqual([
      [kidOf(first, "next"), "current"],
      [second.added[0]!.kid, "next"],
      [kidOf(first, "current"), "previous"],
    ]);
    expect(second).toMatchObject({ dropped: [], unpublished: false, early: null });
    const third = await rotateWhenDue(second.set, "HS256");
    expect(third.dropped.map((k) => k.kid)).toEqual([kidOf(first, "current")]);
    expect(kidOf(third.set, "previous")).toBe(kidOf(first, "next"));
    expect(third.set.keys).toHaveLength(3);
    valid(third.set);
  });

  it("keeps the key material of the keys it moves", async () => {
    const first = await initKeySet("ES256");
    const { set } = await rotateKeys(first, "ES256");
    const { state: _, ...next } = first.keys.find((k) => k.state === "next")!;
    expect(set.keys.find((k) => k.state === "current")).toEqual({ ...next, state: "current" });
  });

  it("with another algorithm, stages a next key of it behind the current one", async () => {
    const { set } = await rotateKeys(await initKeySet("HS256"), "EdDSA");
    expect(set.keys.map((k) => [k.alg, k.state])).toEqual([
      ["HS256", "current"],
      ["EdDSA", "next"],
      ["HS256", "previous"],
    ]);
    valid(set);
  });

  it("without a next key, makes a fresh current one and says it was never published", async () => {
    const first = await initKeySet("ES256");
    const lone = { keys: first.keys.filter((k) => k.state === "current") };
    const change = await rotateKeys(lone, "ES256");
    expect(change.unpublished).toBe(true);
    expect(change.added.map((k) => k.state)).toEqual(["current", "next"]);
    expect(kidOf(change.set, "previous")).toBe(kidOf(first, "current"));
    valid(change.set);
  });
});

describe("the cadence of rotations", () => {
  it("records when each key was made; init makes both at once", async () => {
    expect((await generateKey("EdDSA", "next", at(3))).created_at).toBe("2026-12-01T09:03:00.000Z");
    const set = await initKeySet("ES256", at(0));
    expect(set.keys.map((k) => k.created_at)).toEqual([at(0).toISOString(), at(0).toISOString()]);
    valid(set);
  });

  it("lets init's next key sign at once: every JWKS that holds the current key holds it too", async () => {
    const set = await initKeySet("ES256", at(0));
    expect(nextKeyReadyAt(set)).toBeNull();
    expect((await rotateKeys(set, "ES256", { now: at(0) })).early).toBeNull();
  });

  it("refuses a next key published less than the JWKS cache window ago, saying from when, and that --force overrides", async () => {
    const { set } = await rotateKeys(await initKeySet("ES256", at(0)), "ES256", { now: at(1) });
    const staged = set.keys.find((k) => k.state === "next")!;
    expect(JWKS_MAX_AGE_SECONDS).toBe(600);
    expect(nextKeyReadyAt(set)).toEqual(at(11));

    const early = rotateKeys(set, "ES256", { now: at(2) });
    await expect(early).rejects.toThrow(KeyRotationError);
    await expect(rotateKeys(set, "ES256", { now: at(10.99) })).rejects.toThrow(
      `The next key ${staged.kid} was added at 2026-12-01T09:01:00Z, and a next key becomes current only once it has ` +
        "been published for 10 minutes (verifiers cache /.well-known/jwks.json that long): rotate from " +
        "2026-12-01T09:11:00Z (in 1 min), or now with --force",
    );

    const onTime = await rotateKeys(set, "ES256", { now: at(11) });
    expect(onTime).toMatchObject({ promoted: { kid: staged.kid, state: "current" }, early: null });
    expect(onTime.added[0]!.created_at).toBe(at(11).toISOString());
  });

  it("with force, promotes the young next key all the same and says when it would have been ready", async () => {
    const { set } = await rotateKeys(await initKeySet("EdDSA", at(0)), "EdDSA", { now: at(1) });
    const forced = await rotateKeys(set, "EdDSA", { now: at(2), force: true });
    expect(forced.promoted!.kid).toBe(kidOf(set, "next"));
    expect(forced.early).toEqual(at(11));
    valid(forced.set);
  });

  it("takes a next key made before keys recorded their time as old enough", async () => {
    const { set } = await rotateKeys(await initKeySet("ES256", at(0)), "ES256", { now: at(1) });
    const legacy = { keys: set.keys.map(({ created_at: _, ...key }) => key) };
    expect(nextKeyReadyAt(legacy)).toBeNull();
    expect((await rotateKeys(legacy, "ES256", { now: at(2) })).promoted!.kid).toBe(kidOf(set, "next"));
  });

  it("revoking the current key promotes even a young next key (a leak cannot wait), and says it was early", async () => {
    const { set } = await rotateKeys(await initKeySet("ES256", at(0)), "ES256", { now: at(1) });
    const change = await revokeKey(set, kidOf(set, "current")!, "ES256", at(2));
    expect(change.promoted!.kid).toBe(kidOf(set, "next"));
    expect(change.early).toEqual(at(11));
    expect((await revokeKey(set, kidOf(set, "previous")!, "ES256", at(2))).early).toBeNull();
  });
});

describe("revokeKey", () => {
  it("removes a previous or next key and nothing else", async () => {
    const { set } = await rotateKeys(await initKeySet("HS256"), "HS256");
    for (const state of ["previous", "next"]) {
      const kid = kidOf(set, state)!;
      const change = await revokeKey(set, kid, "HS256");
      expect(change.dropped.map((k) => k.kid)).toEqual([kid]);
      expect(change.set.keys).toEqual(set.keys.filter((k) => k.kid !== kid));
      expect(change).toMatchObject({ promoted: null, added: [] });
    }
  });

  it("removes the current key only by promoting the next one, and stands a fresh next behind it", async () => {
    const { set } = await rotateKeys(await initKeySet("ES256"), "ES256");
    const change = await revokeKey(set, kidOf(set, "current")!, "ES256");
    expect(states(change.set)).toEqual([
      [kidOf(set, "next"), "current"],
      [change.added[0]!.kid, "next"],
      [kidOf(set, "previous"), "previous"],
    ]);
    valid(change.set);
  });

  it("refuses to remove the current key when no next key can take its place, saying what to do", async () => {
    const set = await initKeySet("HS256");
    const lone = { keys: set.keys.filter((k) => k.state === "current") };
    const kid = kidOf(lone, "current")!;
    await expect(revokeKey(lone, kid, "HS256")).rejects.toThrow(KeyRotationError);
    await expect(revokeKey(lone, kid, "HS256")).rejects.toThrow(
      `run \`npm run keys -- rotate\` first (the current key becomes previous), then \`npm run keys -- revoke ${kid}\``,
    );
  });

  it("refuses a kid that is not in the set, listing the kids", async () => {
    const set = await initKeySet("HS256");
    await expect(revokeKey(set, "nope", "HS256")).rejects.toThrow(
      /No key with kid "nope" in the set \(its kids: \w+, \w+\)/,
    );
  });
});

describe("describeKeys", () => {
  it("lists kid, alg and state, and no key material", async () => {
    const set = await initKeySet("EdDSA");
    const rows = describeKeys(set);
    expect(rows).toEqual(set.keys.map((k) => ({ kid: k.kid, alg: "EdDSA", state: k.state })));
    expect(JSON.stringify(rows)).not.toMatch(/"d"|"x"|"k"/);
  });
});
