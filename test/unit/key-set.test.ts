import { describe, expect, it } from "vitest";
import { type KeySet, KeySetError, parseKeySet, publishedKeys } from "../../src/lib/key-set";
import { generateKey, initKeySet } from "../../src/services/key-rotation";

const text = (value: unknown) => JSON.stringify(value);

/** The problems parseKeySet reports for `value` (each must name the setting). */
function problemsOf(value: unknown, algorithm?: "HS256" | "ES256" | "EdDSA"): string[] {
  try {
    parseKeySet(typeof value === "string" ? value : text(value), algorithm);
  } catch (e) {
    expect(e).toBeInstanceOf(KeySetError);
    const { problems, message } = e as KeySetError;
    for (const problem of problems) expect(problem).toMatch(/^JWT_SIGNING_KEYS/);
    expect(message).toMatch(/npm run keys -- init/);
    return problems;
  }
  throw new Error("parsed without a problem");
}

describe("parseKeySet", () => {
  it.each(["HS256", "ES256", "EdDSA"] as const)(
    "reads a %s set and keeps only the members it describes",
    async (alg) => {
      const set = await initKeySet(alg);
      const padded = { keys: set.keys.map((k) => ({ ...k, key_ops: ["sign"], ext: true, note: "hi" })) };
      expect(parseKeySet(text(padded), alg)).toEqual(set);
    },
  );

  it("keeps when each key was made, and takes keys written before keys recorded it", async () => {
    const set = await initKeySet("ES256");
    expect(parseKeySet(text(set)).keys.map((k) => k.created_at)).toEqual(set.keys.map((k) => k.created_at));
    const legacy = { keys: set.keys.map(({ created_at: _, ...key }) => key) };
    expect(parseKeySet(text(legacy))).toEqual(legacy);
  });

  it("takes keys of several algorithms, as a set moving from one to another holds", async () => {
    const set = { keys: [await generateKey("ES256", "current"), await generateKey("HS256", "previous")] };
    expect(parseKeySet(text(set), "ES256").keys.map((k) => k.alg)).toEqual(["ES256", "HS256"]);
  });

  it("says what is wrong with the whole", () => {
    expect(problemsOf("{keys: ")).toEqual([expect.stringMatching(/is not valid JSON/)]);
    expect(problemsOf([])).toEqual([expect.stringMatching(/is not a key set/)]);
    expect(problemsOf({})).toEqual([expect.stringMatching(/has no "keys" list/)]);
    expect(problemsOf({ keys: [] })).toEqual([expect.stringMatching(/has an empty "keys" list/)]);
  });

  it("says which key is wrong, and how", async () => {
    const [hs, es, ed] = await Promise.all([
      generateKey("HS256", "current"),
      generateKey("ES256", "previous"),
      generateKey("EdDSA", "previous"),
    ]);
    const cases: [unknown, RegExp][] = [
      [{ ...hs, kid: undefined }, /key #1 has no "kid"/],
      [{ ...hs, kid: "" }, /key #1 has an empty "kid"/],
      [{ ...hs, k: "c2hvcnQ" }, /key #1 \(kid ".+"\) has an HS256 secret shorter than 32 bytes/],
      [{ ...hs, k: "not base64!" }, /"k" that is not base64url/],
      [{ ...hs, kty: "EC" }, /HS256 with a "kty" other than "oct"/],
      [{ ...hs, alg: "HS512" }, /no "alg" this API signs with \(one of HS256, ES256, EdDSA\)/],
      [{ ...hs, alg: undefined }, /no "alg" this API signs with/],
      [{ ...hs, state: "standby" }, /no "state" \(one of next, current, previous\)/],
      [{ ...hs, use: "enc" }, /"use" other than "sig"/],
      [{ ...es, state: "current", d: undefined }, /no private part "d"/],
      [{ ...ed, state: "current", d: undefined }, /no private part "d"/],
      [{ ...es, state: "current", crv: "P-384" }, /ES256 with a "crv" other than "P-256"/],
      [{ ...ed, state: "current", crv: "Ed448" }, /EdDSA with a "crv" other than "Ed25519"/],
      [{ ...es, state: "current", y: undefined }, /no "y"/],
      [{ ...hs, created_at: "yesterday" }, /a "created_at" that is not an ISO 8601 UTC time/],
      [{ ...hs, created_at: "2026-12-01T09:00:00+01:00" }, /a "created_at" that is not an ISO 8601 UTC time/],
    ];
    for (const [key, problem] of cases)
      expect(problemsOf({ keys: [key] }), String(problem)).toContainEqual(expect.stringMatching(problem));
  });

  it("requires exactly one current key, at most one next and unique kids", async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => generateKey("HS256", "next")));
    expect(problemsOf({ keys: [a] })).toEqual([expect.stringMatching(/has no current key/)]);
    expect(
      problemsOf({
        keys: [
          { ...a, state: "current" },
          { ...b, state: "current" },
        ],
      }),
    ).toEqual([expect.stringMatching(/has 2 current keys \(.+\): exactly one may sign/)]);
    expect(problemsOf({ keys: [{ ...a, state: "current" }, b, c] })).toEqual([
      expect.stringMatching(/more than one next key/),
    ]);
    expect(
      problemsOf({
        keys: [
          { ...a, state: "current" },
          { ...b, kid: a!.kid },
        ],
      }),
    ).toEqual([expect.stringMatching(/two keys with kid ".+": every kid must be unique/)]);
  });

  it("requires the current key to sign with JWT_ALGORITHM, and says how to get there", async () => {
    const set = await initKeySet("EdDSA");
    expect(problemsOf(set, "ES256")).toEqual([
      expect.stringMatching(
        /current key ".+" is EdDSA but JWT_ALGORITHM is ES256: set JWT_ALGORITHM = "EdDSA", or move the set to ES256: `npm run keys -- rotate --algorithm ES256` twice/,
      ),
    ]);
    expect(parseKeySet(text(set))).toEqual(set);
  });
});

describe("publishedKeys", () => {
  it("shows the public halves of asymmetric keys only, the current one first", async () => {
    const keys = await Promise.all([
      generateKey("ES256", "previous"),
      generateKey("HS256", "previous"),
      generateKey("EdDSA", "next"),
      generateKey("ES256", "current"),
    ]);
    const published = publishedKeys({ keys } as KeySet);
    expect(published.keys.map((k) => k.kid)).toEqual([keys[3]!.kid, keys[2]!.kid, keys[0]!.kid]);
    expect(JSON.stringify(published)).not.toMatch(/"d"|"k"|"state"|"created_at"/);
    expect(publishedKeys(await initKeySet("HS256"))).toEqual({ keys: [] });
  });
});
