import { base64url } from "jose";
import { z } from "zod";

// JWT_SIGNING_KEYS: a JWKS, {"keys": [...]}, of private JWKs, each with its own `alg`, a `kid` that
// tokens name in their header, and a `state` (Supabase's standby → current → previously used).
// A key removed from the set is revoked: the tokens it signed stop verifying at once.

export const KEY_SET_SETTING = "JWT_SIGNING_KEYS";

/** simplejwt's default HS256, and the two asymmetric algorithms Web Crypto signs with in workerd. */
export const SIGNING_ALGORITHMS = ["HS256", "ES256", "EdDSA"] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** next: published, not yet signing; current: signs; previous: still verifies. */
export const KEY_STATES = ["next", "current", "previous"] as const;
export type KeyState = (typeof KEY_STATES)[number];

// RFC 8725 §3.5 / RFC 7518 §3.2: an HMAC key at least as long as the hash output.
export const MIN_HMAC_KEY_BYTES = 32;

// Verifiers (Supabase among them) cache a JWKS for about ten minutes: /.well-known/jwks.json says so in its
// Cache-Control, and `npm run keys -- rotate` makes a next key current only once it is at least this old.
export const JWKS_MAX_AGE_SECONDS = 600;

const HOW_TO_FIX =
  "`npm run keys -- list` shows the set, `npm run keys -- init` makes a new one (docs/signing-keys.md)";

const decodedLength = (text: string) => {
  try {
    return base64url.decode(text).length;
  } catch {
    return -1;
  }
};

const base64urlText = (member: string) =>
  z
    .string({ error: `no "${member}"` })
    .refine((text) => decodedLength(text) > 0, { error: `a "${member}" that is not base64url`, abort: true });

// A public-only JWK cannot sign: the set is the private half; /.well-known/jwks.json publishes the public half.
const privatePart = z
  .string({ error: 'no private part "d" (the set holds private keys; the API publishes their public halves)' })
  .pipe(base64urlText("d"));

// Members in the order a key is written: who it is, what it is, its material, its place in the set, its age.
const kid = z.string({ error: 'no "kid"' }).min(1, 'an empty "kid"');
const use = z.literal("sig", { error: '"use" other than "sig"' }).optional();
const state = z.enum(KEY_STATES, { error: `no "state" (one of ${KEY_STATES.join(", ")})` });
// When the key was made, i.e. the earliest it can have been published. Never published itself (publicJwk);
// absent from keys made before the set recorded it.
const createdAt = z.iso.datetime({ error: 'a "created_at" that is not an ISO 8601 UTC time' }).optional();

const hmacKey = z.object({
  kid,
  alg: z.literal("HS256"),
  kty: z.literal("oct", { error: 'HS256 with a "kty" other than "oct"' }),
  k: base64urlText("k").refine(
    (k) => decodedLength(k) >= MIN_HMAC_KEY_BYTES,
    `an HS256 secret shorter than ${MIN_HMAC_KEY_BYTES} bytes (RFC 8725 §3.5)`,
  ),
  use,
  state,
  created_at: createdAt,
});

const ecKey = z.object({
  kid,
  alg: z.literal("ES256"),
  kty: z.literal("EC", { error: 'ES256 with a "kty" other than "EC"' }),
  crv: z.literal("P-256", { error: 'ES256 with a "crv" other than "P-256"' }),
  x: base64urlText("x"),
  y: base64urlText("y"),
  d: privatePart,
  use,
  state,
  created_at: createdAt,
});

const okpKey = z.object({
  kid,
  alg: z.literal("EdDSA"),
  kty: z.literal("OKP", { error: 'EdDSA with a "kty" other than "OKP"' }),
  crv: z.literal("Ed25519", { error: 'EdDSA with a "crv" other than "Ed25519"' }),
  x: base64urlText("x"),
  d: privatePart,
  use,
  state,
  created_at: createdAt,
});

// Unknown members (key_ops, ext, ...) are dropped: what is kept is exactly what is described here.
const signingKey = z.discriminatedUnion("alg", [hmacKey, ecKey, okpKey], {
  error: `no "alg" this API signs with (one of ${SIGNING_ALGORITHMS.join(", ")})`,
});

const keySetSchema = z.object(
  { keys: z.array(z.unknown(), { error: 'has no "keys" list' }).min(1, 'has an empty "keys" list') },
  { error: 'is not a key set: a JSON object {"keys": [...]}' },
);

export type SigningKey = z.infer<typeof signingKey>;
export type AsymmetricKey = Exclude<SigningKey, { kty: "oct" }>;
export type KeySet = { keys: SigningKey[] };

/** Every problem of a key set, each naming JWT_SIGNING_KEYS, then how to fix it. */
export class KeySetError extends Error {
  override name = "KeySetError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`${problems.join("; ")} (${HOW_TO_FIX})`);
    this.problems = problems;
  }
}

const where = (index: number, raw: unknown) => {
  const kid = (raw as { kid?: unknown } | null)?.kid;
  return `${KEY_SET_SETTING} key #${index + 1}${typeof kid === "string" && kid ? ` (kid "${kid}")` : ""} has`;
};

/**
 * The key set in `text`, checked: well-formed private keys, unique kids, exactly one current key
 * (signing with `algorithm`, JWT_ALGORITHM, when given) and at most one next key.
 */
export function parseKeySet(text: string, algorithm?: SigningAlgorithm): KeySet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeySetError([`${KEY_SET_SETTING} is not valid JSON (expected {"keys": [...]})`]);
  }
  const outer = keySetSchema.safeParse(json);
  if (!outer.success) throw new KeySetError([`${KEY_SET_SETTING} ${outer.error.issues[0]!.message}`]);

  const problems: string[] = [];
  const keys: SigningKey[] = [];
  outer.data.keys.forEach((raw, index) => {
    const key = signingKey.safeParse(raw);
    if (key.success) keys.push(key.data);
    else problems.push(...key.error.issues.map((issue) => `${where(index, raw)} ${issue.message}`));
  });

  const kids = keys.map((key) => key.kid);
  for (const kid of new Set(kids.filter((kid, i) => kids.indexOf(kid) !== i))) {
    problems.push(`${KEY_SET_SETTING} has two keys with kid "${kid}": every kid must be unique`);
  }
  const current = keys.filter((key) => key.state === "current");
  if (problems.length === 0 && current.length === 0) {
    problems.push(`${KEY_SET_SETTING} has no current key: mark the key that signs "state": "current"`);
  }
  if (current.length > 1) {
    problems.push(
      `${KEY_SET_SETTING} has ${current.length} current keys (${current.map((k) => k.kid).join(", ")}): exactly one may sign; mark the others "previous"`,
    );
  }
  if (keys.filter((key) => key.state === "next").length > 1) {
    problems.push(
      `${KEY_SET_SETTING} has more than one next key: keep one, remove the others (\`npm run keys -- revoke <kid>\`)`,
    );
  }
  if (algorithm && current.length === 1 && current[0]!.alg !== algorithm) {
    problems.push(
      `${KEY_SET_SETTING}'s current key "${current[0]!.kid}" is ${current[0]!.alg} but JWT_ALGORITHM is ${algorithm}: ` +
        `set JWT_ALGORITHM = "${current[0]!.alg}", or move the set to ${algorithm}: \`npm run keys -- rotate --algorithm ${algorithm}\` ` +
        `twice (the first stages an ${algorithm} next key, the second makes it current)`,
    );
  }
  if (problems.length > 0) throw new KeySetError(problems);
  return { keys };
}

export const currentKey = (set: KeySet): SigningKey => set.keys.find((key) => key.state === "current")!;

export const isAsymmetric = (key: SigningKey): key is AsymmetricKey => key.kty !== "oct";

/** The public half of a key as RFC 7517 publishes it: no `d`, no `state`, nothing else private. */
export function publicJwk(key: AsymmetricKey) {
  const point = key.kty === "EC" ? { x: key.x, y: key.y } : { x: key.x };
  return { kid: key.kid, kty: key.kty, crv: key.crv, ...point, alg: key.alg, use: "sig" as const };
}

const PUBLISHED_ORDER: readonly KeyState[] = ["current", "next", "previous"];

/** The JWKS verifiers may fetch: the public keys of every asymmetric key, the signing one first. */
export function publishedKeys(set: KeySet) {
  const keys = set.keys
    .filter(isAsymmetric)
    .sort((a, b) => PUBLISHED_ORDER.indexOf(a.state) - PUBLISHED_ORDER.indexOf(b.state));
  return { keys: keys.map(publicJwk) };
}
