import { z } from "zod";
import {
  KEY_SET_SETTING,
  type KeySet,
  KeySetError,
  parseKeySet,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
} from "./key-set";
import { perObject } from "./per-object";
import {
  isRouteThrottle,
  isThrottleScope,
  parseRate,
  type Rate,
  RateSyntaxError,
  type RouteThrottle,
  THROTTLE_SCOPES,
  type ThrottleScope,
} from "./throttle-rates";

const seconds = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number of seconds` })
    .int(`${name} must be a whole number of seconds`)
    .positive(`${name} must be positive`);

// wrangler.toml gives structured vars (arrays, tables); `--var` and the dashboard give strings: take JSON text too.
// Text that is not JSON is left as it is, for the schema to refuse with its own message.
const structured = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }, schema);

const throttleClasses = structured(
  z.array(z.string(), { error: 'DEFAULT_THROTTLE_CLASSES must be a list of throttle names, e.g. ["anon", "user"]' }),
).transform((names, ctx) => {
  for (const name of names) {
    if (!isRouteThrottle(name)) ctx.addIssue(`DEFAULT_THROTTLE_CLASSES: unknown throttle "${name}"`);
  }
  return names as RouteThrottle[];
});

const throttleRates = structured(
  z.record(z.string(), z.string().nullable(), {
    error: 'DEFAULT_THROTTLE_RATES must map each scope to "<count>/<period>" or null',
  }),
).transform((map, ctx) => {
  const rates = {} as Record<ThrottleScope, Rate | null>;
  for (const name of Object.keys(map)) {
    if (!isThrottleScope(name)) {
      ctx.addIssue(`DEFAULT_THROTTLE_RATES: unknown scope "${name}" (known: ${THROTTLE_SCOPES.join(", ")})`);
    }
  }
  for (const scope of THROTTLE_SCOPES) {
    const rate = map[scope];
    // DRF's ImproperlyConfigured wording, plus how to fix it.
    if (rate === undefined) {
      ctx.addIssue(
        `No default throttle rate set for '${scope}' scope: add it to DEFAULT_THROTTLE_RATES (null disables it)`,
      );
      continue;
    }
    try {
      rates[scope] = rate === null ? null : parseRate(rate);
    } catch (e) {
      if (!(e instanceof RateSyntaxError)) throw e;
      ctx.addIssue(`DEFAULT_THROTTLE_RATES.${scope}: ${e.message}`);
    }
  }
  return rates;
});

const numProxiesProblem = "NUM_PROXIES must be a whole number of proxies (or unset to use CF-Connecting-IP only)";
const numProxies = z
  .union([z.number(), z.string().regex(/^\d+$/).transform(Number)], { error: numProxiesProblem })
  .pipe(z.number().int(numProxiesProblem).nonnegative(numProxiesProblem))
  .optional();

const keySetMissing =
  `${KEY_SET_SETTING} is not set (it replaces JWT_SECRET): \`npm run dev\` writes one to .dev.vars; for production, ` +
  `\`npm run keys -- init --env production --file <path>\` and the \`wrangler secret put\` it prints`;

// simplejwt's ISSUER / AUDIENCE: unset (None) leaves the claim out and unchecked.
const optionalClaim = (name: string) =>
  z
    .string({ error: `${name} must be text` })
    .min(1, `${name} must not be empty (leave it unset instead)`)
    .optional();

/** Where mail goes: the local outbox (development, tests), Cloudflare's send_email binding, or Resend's API. */
export const MAIL_TRANSPORTS = ["local", "cloudflare", "resend"] as const;
export type MailTransport = (typeof MAIL_TRANSPORTS)[number];

const httpUrl = (name: string) =>
  z
    .string({ error: `${name} must be a URL, e.g. https://app.example.com` })
    .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
      error: `${name} must be an absolute http(s) URL, e.g. https://app.example.com`,
    });

/**
 * A link template of the SPA's: an absolute URL with `{placeholders}` the mail fills in (URL-encoded).
 * Unset, it is FRONTEND_URL with the path and query parameters dj-rest-auth's SPAs expect.
 */
const linkTemplate = (name: string, placeholders: readonly string[]) =>
  httpUrl(name)
    .refine((text) => placeholders.every((p) => text.includes(`{${p}}`)), {
      error: `${name} must contain ${placeholders.map((p) => `{${p}}`).join(" and ")}, where the mail puts them`,
    })
    .optional();

/** SECRET_KEY: like Django's, the root of the server's own keys (services/server-keys.ts); at least 32 random bytes. */
export const SECRET_KEY_SETTING = "SECRET_KEY";
export const MIN_SECRET_KEY_BYTES = 32;

const secretKeyMissing =
  `${SECRET_KEY_SETTING} is not set: \`npm run dev\` writes one to .dev.vars; for production, ` +
  "`openssl rand -base64 32 | npx wrangler secret put SECRET_KEY --env production` (docs/mfa.md)";

const secretKey = z.string({ error: secretKeyMissing }).transform((text, ctx) => {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (ch) => ch.charCodeAt(0));
  } catch {
    ctx.addIssue(`${SECRET_KEY_SETTING} must be base64 (e.g. \`openssl rand -base64 32\`)`);
    return z.NEVER;
  }
  if (bytes.length < MIN_SECRET_KEY_BYTES) {
    ctx.addIssue(
      `${SECRET_KEY_SETTING} must hold at least ${MIN_SECRET_KEY_BYTES} random bytes (\`openssl rand -base64 32\`)`,
    );
    return z.NEVER;
  }
  return bytes;
});

const configSchema = z.object({
  JWT_ALGORITHM: z
    .enum(SIGNING_ALGORITHMS, { error: `JWT_ALGORITHM must be one of ${SIGNING_ALGORITHMS.join(", ")}` })
    .default("HS256"),
  JWT_SIGNING_KEYS: z.string({ error: keySetMissing }),
  JWT_ISSUER: optionalClaim("JWT_ISSUER"),
  JWT_AUDIENCE: optionalClaim("JWT_AUDIENCE"),
  JWT_LEEWAY: z.coerce
    .number({ error: "JWT_LEEWAY must be a number of seconds" })
    .int("JWT_LEEWAY must be a whole number of seconds")
    .nonnegative("JWT_LEEWAY must not be negative")
    .default(0),
  ACCESS_TOKEN_LIFETIME: seconds("ACCESS_TOKEN_LIFETIME"),
  REFRESH_TOKEN_LIFETIME: seconds("REFRESH_TOKEN_LIFETIME"),
  SESSION_LIFETIME: seconds("SESSION_LIFETIME"),
  TRASH_RETENTION_DAYS: z.coerce
    .number({ error: "TRASH_RETENTION_DAYS must be a number of days" })
    .int("TRASH_RETENTION_DAYS must be a whole number of days")
    .positive("TRASH_RETENTION_DAYS must be positive")
    .default(30),
  DEFAULT_THROTTLE_CLASSES: throttleClasses,
  DEFAULT_THROTTLE_RATES: throttleRates,
  NUM_PROXIES: numProxies,
  MAIL_TRANSPORT: z.enum(MAIL_TRANSPORTS, {
    error: `MAIL_TRANSPORT must be one of ${MAIL_TRANSPORTS.join(", ")} (docs/accounts-and-email.md)`,
  }),
  MAIL_FROM: z.email({ error: "MAIL_FROM must be the sender's address, e.g. no-reply@example.com" }),
  MAIL_FROM_NAME: z.string().min(1, "MAIL_FROM_NAME must not be empty (leave it unset instead)").optional(),
  FRONTEND_URL: httpUrl("FRONTEND_URL"),
  PASSWORD_RESET_URL: linkTemplate("PASSWORD_RESET_URL", ["uid", "token"]),
  VERIFY_EMAIL_URL: linkTemplate("VERIFY_EMAIL_URL", ["key"]),
  EMAIL_CHANGE_URL: linkTemplate("EMAIL_CHANGE_URL", ["key"]),
  RESEND_API_KEY: z.string().min(1).optional(),
  SECRET_KEY: secretKey,
  MFA_ISSUER: z.string().min(1, "MFA_ISSUER must not be empty (leave it unset instead)").default("edge-drf-api"),
});

/** The SPA's links that mails carry, each filled in with its values (URL-encoded). */
export type MailLinks = {
  passwordReset: (values: { uid: string; token: string }) => string;
  verifyEmail: (values: { key: string }) => string;
  emailChange: (values: { key: string }) => string;
};

const fill = (template: string) => (values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (all, name: string) => (name in values ? encodeURIComponent(values[name]!) : all));

function mailLinks(vars: z.output<typeof configSchema>): MailLinks {
  const frontend = vars.FRONTEND_URL.replace(/\/+$/, "");
  return {
    passwordReset: fill(vars.PASSWORD_RESET_URL ?? `${frontend}/password-reset?uid={uid}&token={token}`),
    verifyEmail: fill(vars.VERIFY_EMAIL_URL ?? `${frontend}/verify-email?key={key}`),
    emailChange: fill(vars.EMAIL_CHANGE_URL ?? `${frontend}/email-change?key={key}`),
  };
}

export type Config = {
  /** JWT_ALGORITHM: what the current key signs with. */
  jwtAlgorithm: SigningAlgorithm;
  /** JWT_SIGNING_KEYS, checked: exactly one current key, of jwtAlgorithm. */
  signingKeys: KeySet;
  /** simplejwt's ISSUER and AUDIENCE: written into tokens and required of them when set. */
  jwtIssuer: string | null;
  jwtAudience: string | null;
  /** simplejwt's LEEWAY, in seconds: tolerance for exp and for an iat in the future. */
  jwtLeeway: number;
  accessTokenLifetime: number;
  refreshTokenLifetime: number;
  sessionLifetime: number;
  /** Days a task stays in the trash before the scheduled purge deletes it for good. */
  trashRetentionDays: number;
  /** DRF's DEFAULT_THROTTLE_CLASSES: the throttles of a route that names none. */
  throttleClasses: readonly RouteThrottle[];
  /** DRF's DEFAULT_THROTTLE_RATES, parsed; null switches a scope off (DRF's rate None). */
  throttleRates: Readonly<Record<ThrottleScope, Rate | null>>;
  /** DRF's NUM_PROXIES; null (unset) keys clients by CF-Connecting-IP alone. */
  numProxies: number | null;
  /** SECRET_KEY's bytes: never used as it is, only through the keys derived from it. */
  secretKey: Uint8Array;
  /** The issuer an authenticator app shows beside a TOTP code (MFA_ISSUER). */
  mfaIssuer: string;
  mail: {
    transport: MailTransport;
    from: { email: string; name?: string };
    links: MailLinks;
    /** Resend's API key (a secret), for MAIL_TRANSPORT = "resend". */
    resendApiKey: string | null;
  };
};

export class ConfigurationError extends Error {
  override name = "ConfigurationError";
  /** Each problem on its own, naming its setting and how to fix it (the message joins them). */
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = [message.replace(/^Invalid configuration: /, "")]) {
    super(message);
    this.problems = problems;
  }

  /** Every problem zod found in the vars, each message naming its setting. */
  static fromIssues(issues: readonly { message: string }[]) {
    const problems = issues.map((i) => i.message);
    return new ConfigurationError(`Invalid configuration: ${problems.join("; ")}`, problems);
  }
}

/**
 * Whether a misconfiguration may be explained to the client: only in local development, which takes
 * two facts. ENVIRONMENT = "development", which only wrangler.toml's top-level [vars] says (wrangler
 * dev, the tests; `npm run deploy` refuses a production ENVIRONMENT other than "production"), and a
 * request to a local host, which a deployed Worker never gets (Cloudflare routes by hostname) even
 * if the var were copied into production. Anything else, or nothing, is production: it fails closed.
 */
export function explainsMisconfiguration(env: { ENVIRONMENT?: unknown } | undefined, url: string): boolean {
  if (env?.ENVIRONMENT !== "development") return false;
  const host = new URL(url).hostname;
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

// Parsed once per env object: vars and secrets cannot change while an isolate lives.
export const loadConfig = perObject((env: Env): Config => {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) throw ConfigurationError.fromIssues(parsed.error.issues);
  const vars = parsed.data;
  let signingKeys: KeySet;
  try {
    signingKeys = parseKeySet(vars.JWT_SIGNING_KEYS, vars.JWT_ALGORITHM);
  } catch (e) {
    if (!(e instanceof KeySetError)) throw e;
    throw new ConfigurationError(`Invalid configuration: ${e.message}`);
  }
  const config: Config = {
    jwtAlgorithm: vars.JWT_ALGORITHM,
    signingKeys,
    jwtIssuer: vars.JWT_ISSUER ?? null,
    jwtAudience: vars.JWT_AUDIENCE ?? null,
    jwtLeeway: vars.JWT_LEEWAY,
    accessTokenLifetime: vars.ACCESS_TOKEN_LIFETIME,
    refreshTokenLifetime: vars.REFRESH_TOKEN_LIFETIME,
    sessionLifetime: vars.SESSION_LIFETIME,
    trashRetentionDays: vars.TRASH_RETENTION_DAYS,
    throttleClasses: vars.DEFAULT_THROTTLE_CLASSES,
    throttleRates: vars.DEFAULT_THROTTLE_RATES,
    numProxies: vars.NUM_PROXIES ?? null,
    secretKey: vars.SECRET_KEY,
    mfaIssuer: vars.MFA_ISSUER,
    mail: {
      transport: vars.MAIL_TRANSPORT,
      from: { email: vars.MAIL_FROM, ...(vars.MAIL_FROM_NAME && { name: vars.MAIL_FROM_NAME }) },
      links: mailLinks(vars),
      resendApiKey: vars.RESEND_API_KEY ?? null,
    },
  };
  if (config.mail.transport === "resend" && config.mail.resendApiKey === null) {
    throw new ConfigurationError(
      "Invalid configuration: MAIL_TRANSPORT is resend but RESEND_API_KEY is not set: " +
        "`npx wrangler secret put RESEND_API_KEY --env production` (docs/accounts-and-email.md)",
    );
  }
  return config;
});
