// What `npm run deploy` checks before anything is applied or uploaded (scripts/check-deploy.mjs reads
// wrangler.toml with wrangler's own reader and hands the result here). Pure: configuration in, problems
// out, each naming its setting and how to fix it. The vars go through the API's own parsers
// (loadConfig, allowedOrigins), so the deploy refuses exactly what the Worker would answer 500 to.

import { allowedOrigins } from "../src/lib/allowed-origins";
import { ConfigurationError, loadConfig, SECRET_KEY_SETTING } from "../src/lib/config";
import { KEY_SET_SETTING } from "../src/lib/key-set";

/** The part of wrangler's resolved configuration (its `Config`, for one environment) checked here. */
export type WorkerConfig = {
  vars: Record<string, unknown>;
  d1_databases: readonly { binding: string; database_name?: string; database_id?: string }[];
  kv_namespaces: readonly { binding: string; id?: string }[];
  r2_buckets: readonly { binding: string; bucket_name?: string }[];
  durable_objects: { bindings: readonly { name: string }[] };
  send_email?: readonly { name: string }[];
  secrets?: { required?: readonly string[] };
  observability?: { enabled?: boolean; logs?: { enabled?: boolean } };
};

/** A key set to validate, and where it came from (a --keys-file path, the environment). */
export type KeySetSource = { text: string; from: string };

export type Findings = { errors: string[]; warnings: string[] };

const PLACEHOLDER = /REPLACE_WITH_/;
const ALL_ZEROS = /^[0-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KV_ID = /^[0-9a-f]{32}$/i;

/**
 * A binding's id that is not one yet: absent, still the REPLACE_WITH_ placeholder, the local all-zero
 * one, or not the shape Cloudflare's ids have. Null when it looks like a real id.
 */
function idProblem(id: string | undefined, shape: RegExp): string | null {
  if (id === undefined || id === "") return "is not set";
  if (PLACEHOLDER.test(id)) return `is still the placeholder "${id}"`;
  if (ALL_ZEROS.test(id)) return `is the local placeholder "${id}"`;
  if (!shape.test(id)) return `"${id}" is not an id of that kind`;
  return null;
}

function bindingProblems(target: WorkerConfig, local: WorkerConfig, env: string): string[] {
  const section = `env.${env}`;
  const problems: string[] = [];
  for (const db of target.d1_databases) {
    const problem = idProblem(db.database_id, UUID);
    if (problem) {
      problems.push(
        `[[${section}.d1_databases]] database_id (binding "${db.binding}") ${problem}: run ` +
          `\`npx wrangler d1 create ${db.database_name ?? "<database_name>"}\` and paste the database_id it prints (a UUID)`,
      );
    }
  }
  for (const kv of target.kv_namespaces) {
    const problem = idProblem(kv.id, KV_ID);
    if (problem) {
      problems.push(
        `[[${section}.kv_namespaces]] id (binding "${kv.binding}") ${problem}: run ` +
          `\`npx wrangler kv namespace create ${kv.binding} --env ${env}\` and paste the id it prints (32 hex digits)`,
      );
    }
  }
  for (const bucket of target.r2_buckets) {
    if (!bucket.bucket_name || PLACEHOLDER.test(bucket.bucket_name)) {
      problems.push(
        `[[${section}.r2_buckets]] bucket_name (binding "${bucket.binding}") is not set to a bucket: ` +
          "`npx wrangler r2 bucket create <name>` and write that name",
      );
    }
  }
  // Environments inherit no bindings: one the local config has and production lacks is undefined in
  // production's env, and every request that needs it fails.
  const kinds = [
    ["d1_databases", (c: WorkerConfig) => c.d1_databases.map((b) => b.binding)],
    ["kv_namespaces", (c: WorkerConfig) => c.kv_namespaces.map((b) => b.binding)],
    ["r2_buckets", (c: WorkerConfig) => c.r2_buckets.map((b) => b.binding)],
    ["durable_objects.bindings", (c: WorkerConfig) => c.durable_objects.bindings.map((b) => b.name)],
  ] as const;
  for (const [kind, names] of kinds) {
    const present = new Set(names(target));
    for (const name of names(local).filter((n) => !present.has(n))) {
      problems.push(
        `[${section}] has no ${kind} binding "${name}", which the Worker uses (the top level has one, and ` +
          `environments inherit no bindings): add a [[${section}.${kind}]] entry for it`,
      );
    }
  }
  return problems;
}

const LOCAL_HOSTS = /^(localhost|.*\.localhost|127(\.\d+){3}|\[::1\]|0\.0\.0\.0)$/;
// RFC 2606's example domains: nobody's SPA is there; the value was copied from the example.
const EXAMPLE_HOSTS = /(^|\.)example\.(com|org|net)$|\.example$/;

function originFindings(value: unknown, vars: string): Findings {
  const findings: Findings = { errors: [], warnings: [] };
  if (value !== undefined && typeof value !== "string") {
    findings.errors.push(
      `${vars} CORS_ALLOWED_ORIGINS must be text: origins separated by commas, e.g. "https://app.example.com"`,
    );
    return findings;
  }
  let origins: ReadonlySet<string>;
  try {
    origins = allowedOrigins({ CORS_ALLOWED_ORIGINS: value } as Env);
  } catch (e) {
    if (!(e instanceof ConfigurationError)) throw e;
    findings.errors.push(...e.problems.map((problem) => `${vars} ${problem}`));
    return findings;
  }
  for (const origin of origins) {
    const { hostname, protocol } = new URL(origin);
    if (LOCAL_HOSTS.test(hostname)) {
      // Refused, not warned about: an allowed origin gets credentialed CORS and passes the cookie-mode
      // CSRF check, so whatever serves that port on a user's machine (another project's dev server,
      // malware) could act with the user's production session and read the answers.
      findings.errors.push(
        `${vars} CORS_ALLOWED_ORIGINS allows "${origin}" in production: a page any program on a user's machine ` +
          "serves there could call the API with the user's cookies and read the answers. Remove it " +
          "(local development has its own list in the top-level [vars])",
      );
    } else if (EXAMPLE_HOSTS.test(hostname)) {
      findings.warnings.push(
        `${vars} CORS_ALLOWED_ORIGINS still allows the example origin "${origin}": replace it with your SPAs' ` +
          "origins, or leave the var empty if no browser app calls the API",
      );
    } else if (protocol === "http:") {
      findings.warnings.push(
        `${vars} CORS_ALLOWED_ORIGINS allows "${origin}" over plain http: anyone on the network path can change ` +
          "that page, and with it act with its users' sessions; serve it over https",
      );
    }
  }
  return findings;
}

/**
 * Mail must reach people in production: a transport that sends (not the local outbox), with what it
 * needs (the send_email binding, or Resend's key as a required secret), and links to a real frontend.
 */
function mailFindings(target: WorkerConfig, section: string): Findings {
  const vars = `[${section}.vars]`;
  const findings: Findings = { errors: [], warnings: [] };
  const transport = target.vars.MAIL_TRANSPORT;
  if (transport === "local") {
    findings.errors.push(
      `${vars} MAIL_TRANSPORT is "local": mail would only be written to the outbox table and nobody would get a ` +
        'verification or reset link. Set "cloudflare" (Email Sending\'s send_email binding) or "resend"',
    );
  } else if (transport === "cloudflare" && !target.send_email?.some((binding) => binding.name === "EMAIL")) {
    findings.errors.push(
      `${vars} MAIL_TRANSPORT is "cloudflare" but [[${section}.send_email]] has no binding named "EMAIL": add one ` +
        "(docs/accounts-and-email.md), from an address of a domain onboarded to Email Service",
    );
  } else if (transport === "resend" && !target.secrets?.required?.includes("RESEND_API_KEY")) {
    findings.errors.push(
      `[${section}.secrets] required does not list RESEND_API_KEY, which MAIL_TRANSPORT "resend" needs: add it, and ` +
        `\`npx wrangler secret put RESEND_API_KEY --env ${section.replace(/^env\./, "")}\``,
    );
  }
  const frontend = typeof target.vars.FRONTEND_URL === "string" ? URL.parse(target.vars.FRONTEND_URL) : null;
  if (frontend && LOCAL_HOSTS.test(frontend.hostname)) {
    findings.errors.push(
      `${vars} FRONTEND_URL is "${frontend.origin}": every mailed link would point at the reader's own machine. ` +
        "Set the address of your SPA",
    );
  } else if (frontend && EXAMPLE_HOSTS.test(frontend.hostname)) {
    findings.warnings.push(`${vars} FRONTEND_URL is still the example "${frontend.origin}": set your SPA's address`);
  } else if (frontend?.protocol === "http:") {
    findings.warnings.push(`${vars} FRONTEND_URL is plain http: the reset links would travel unencrypted; use https`);
  }
  const from = target.vars.MAIL_FROM;
  if (typeof from === "string" && EXAMPLE_HOSTS.test(from.split("@")[1] ?? "")) {
    findings.warnings.push(`${vars} MAIL_FROM is still the example "${from}": set an address of your own domain`);
  }
  return findings;
}

const seconds = (vars: Record<string, unknown>, name: string) => {
  const value = Number(vars[name]);
  return Number.isInteger(value) && value > 0 ? value : null;
};

/** ACCESS ≤ REFRESH ≤ SESSION: each token must not outlive what renews or bounds it. */
function lifetimeProblems(vars: Record<string, unknown>, section: string): string[] {
  const access = seconds(vars, "ACCESS_TOKEN_LIFETIME");
  const refresh = seconds(vars, "REFRESH_TOKEN_LIFETIME");
  const session = seconds(vars, "SESSION_LIFETIME");
  const problems: string[] = [];
  if (access !== null && refresh !== null && access > refresh) {
    problems.push(
      `${section} ACCESS_TOKEN_LIFETIME (${access} s) is longer than REFRESH_TOKEN_LIFETIME (${refresh} s): an access ` +
        "token would outlive the refresh token that renews it; shorten ACCESS_TOKEN_LIFETIME (simplejwt's default is 300)",
    );
  }
  if (refresh !== null && session !== null && refresh > session) {
    problems.push(
      `${section} REFRESH_TOKEN_LIFETIME (${refresh} s) is longer than SESSION_LIFETIME (${session} s): every session ` +
        "would end before its refresh token expires; lengthen SESSION_LIFETIME or shorten REFRESH_TOKEN_LIFETIME",
    );
  }
  return problems;
}

/** The problems (refusals) and warnings of deploying `target`, environment `env`, next to the local config. */
export function checkDeployment(
  target: WorkerConfig,
  local: WorkerConfig,
  { env, keySet }: { env: string; keySet?: KeySetSource },
): Findings {
  const section = `env.${env}`;
  const vars = `[${section}.vars]`;
  const errors: string[] = [];
  const warnings: string[] = [];

  errors.push(...bindingProblems(target, local, env));

  const environment = target.vars.ENVIRONMENT;
  if (environment !== env) {
    errors.push(
      `${vars} ENVIRONMENT is ${environment === undefined ? "not set" : JSON.stringify(environment)}: ` +
        `set ENVIRONMENT = "${env}" (only "development" explains a misconfiguration to clients, and only on localhost)`,
    );
  }
  if (KEY_SET_SETTING in target.vars) {
    errors.push(
      `${vars} holds ${KEY_SET_SETTING}, in plain text for anyone who reads wrangler.toml or the dashboard: remove it ` +
        `and upload the key set as a secret (\`npm run keys -- init --env ${env} --file <path>\` prints how)`,
    );
  }
  if (!target.secrets?.required?.includes(KEY_SET_SETTING)) {
    errors.push(
      `[${section}.secrets] required does not list ${KEY_SET_SETTING}: add it, so that \`wrangler deploy\` refuses ` +
        "to ship a Worker without its signing keys",
    );
  }
  if (SECRET_KEY_SETTING in target.vars) {
    errors.push(
      `${vars} holds ${SECRET_KEY_SETTING}, in plain text for anyone who reads wrangler.toml or the dashboard: remove ` +
        `it and upload it as a secret (\`openssl rand -base64 32 | npx wrangler secret put ${SECRET_KEY_SETTING} --env ${env}\`)`,
    );
  }
  if (!target.secrets?.required?.includes(SECRET_KEY_SETTING)) {
    errors.push(
      `[${section}.secrets] required does not list ${SECRET_KEY_SETTING}: add it, so that \`wrangler deploy\` refuses ` +
        "to ship a Worker that could not open its TOTP secrets or sign its device tokens",
    );
  }

  // The API's own parser: throttle classes and rates, lifetimes, JWT_ALGORITHM, the claims, NUM_PROXIES,
  // and the key set when one is given (against JWT_ALGORITHM). Without one, "not set" is no problem here:
  // the secret lives in Cloudflare, not in wrangler.toml.
  try {
    // SECRET_KEY and RESEND_API_KEY are secrets too: whether production will have them is checked with
    // [secrets] required.
    loadConfig({
      ...target.vars,
      [KEY_SET_SETTING]: keySet?.text,
      [SECRET_KEY_SETTING]: btoa("a secret of 32 bytes, not a var.."),
      RESEND_API_KEY: "a secret",
    } as unknown as Env);
  } catch (e) {
    if (!(e instanceof ConfigurationError)) throw e;
    for (const problem of e.problems) {
      if (problem.startsWith(`${KEY_SET_SETTING} is not set`) && !keySet) continue;
      errors.push(problem.includes(KEY_SET_SETTING) && keySet ? `${keySet.from}: ${problem}` : `${vars} ${problem}`);
    }
  }
  errors.push(...lifetimeProblems(target.vars, vars));

  const mail = mailFindings(target, section);
  errors.push(...mail.errors);
  warnings.push(...mail.warnings);

  const origins = originFindings(target.vars.CORS_ALLOWED_ORIGINS, vars);
  errors.push(...origins.errors);
  warnings.push(...origins.warnings);

  if (target.observability?.enabled !== true && target.observability?.logs?.enabled !== true) {
    warnings.push(
      `[${section}.observability] is off: Workers Logs keeps none of the Worker's log lines, so a request id ` +
        "leads nowhere; set [observability] enabled = true",
    );
  }
  return { errors, warnings };
}
