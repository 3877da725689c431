// The second factor as an SPA meets it: enrol (the secret and its key URI on the page), confirm with
// the code the page's own authenticator computes (totp.ts), log out, then log in again — the password
// answers a challenge and no token; a recovery code or a TOTP code answers it with a pair at aal2.
// The challenge is bound to the HttpOnly __Host-mfa cookie, which the browser sends on its own
// (credentials: "include"; the API and the page are one site): the page never sees it.
import { client, post, session, tokenPairOf } from "./api";
import { report } from "./report";
import { PERIOD_MS, stepAt, totpCode } from "./totp";

type Pair = { access: string; refresh?: string };

/** A token's payload as any page can read it (a JWT is signed, not encrypted). */
function claimsOf(token: string | undefined): { aal?: string; amr?: string[] } {
  const payload = token?.split(".")[1];
  return payload ? JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) : {};
}

/** Whether a token pair's access token says a password and a one-time code (RFC 8176) opened its session. */
const secondFactorUsed = (pair: Pair | undefined) => {
  const { aal, amr } = claimsOf(pair?.access);
  return aal === "aal2" && JSON.stringify(amr) === '["pwd","otp"]';
};

const assurance = (pair: Pair | undefined) => {
  const { aal, amr } = claimsOf(pair?.access);
  return `aal ${JSON.stringify(aal)}, amr ${JSON.stringify(amr)}`;
};

/** Shows `text` in the page's second-factor panel, at `id`. */
function show(id: string, text: string) {
  document.getElementById(id)!.textContent = text;
  document.getElementById("mfa")!.hidden = false;
}

/** The second factor's steps, for the page's account. */
export function mfaSteps(username: string, password: string): Record<string, () => Promise<void>> {
  const factor = {
    secret: "",
    /** The last TOTP code the page sent, and its step: the API takes a step's code once. */
    code: "",
    step: 0,
    recoveryCodes: [] as string[],
    challenge: "",
    refresh: undefined as string | undefined,
  };

  /** Holds a pair the second factor opened, shows its access token's claims; whom it authenticates. */
  async function holdPair(pair: Pair | undefined) {
    session.access = pair?.access ?? null;
    factor.refresh = pair?.refresh;
    show("mfa-claims", JSON.stringify(claimsOf(pair?.access)));
    return client.GET("/api/users/me/");
  }

  /** The code the authenticator shows now, once the step of the last code used is over. */
  async function nextCode() {
    const wait = Math.max(0, (factor.step + 1) * PERIOD_MS - Date.now());
    await new Promise((resolve) => setTimeout(resolve, wait));
    // A timer may fire a hair early: the next step's code then, which the API's one step of drift takes.
    factor.step = Math.max(factor.step + 1, stepAt(Date.now()));
    factor.code = await totpCode(factor.secret, factor.step);
    return { code: factor.code, waited: Math.round(wait / 1000) };
  }

  return {
    async "mfa-enrol"() {
      const { data, response } = await client.POST("/api/mfa/totp/");
      factor.secret = data?.secret ?? "";
      const uri = data?.otpauth_uri ?? "";
      show("mfa-secret", factor.secret);
      show("mfa-uri", uri);
      const ok =
        response.status === 201 &&
        /^[A-Z2-7]{32}$/.test(factor.secret) &&
        uri.startsWith("otpauth://totp/") &&
        new URL(uri).searchParams.get("secret") === factor.secret;
      report("mfa-enrol", ok, `POST /api/mfa/totp/ → ${response.status}: secret ${factor.secret}, ${uri}`);
    },
    async "mfa-confirm"() {
      factor.step = stepAt(Date.now());
      factor.code = await totpCode(factor.secret, factor.step);
      const { data, response } = await post("/api/mfa/totp/confirm/", { code: factor.code });
      factor.recoveryCodes = data?.recovery_codes ?? [];
      show("mfa-recovery-codes", factor.recoveryCodes.join("  "));
      const me = await holdPair(data);
      const ok =
        response.status === 200 && factor.recoveryCodes.length === 10 && secondFactorUsed(data) && me.response.ok;
      report(
        "mfa-confirm",
        ok,
        `POST /api/mfa/totp/confirm/ {code: ${factor.code}} → ${response.status}: ${factor.recoveryCodes.length} ` +
          `recovery codes, a token pair at ${assurance(data)}; GET /api/users/me/ → ${me.response.status}`,
      );
    },
    async "mfa-logout"() {
      const { response } = await post("/api/token/blacklist/", { refresh: factor.refresh });
      const me = await client.GET("/api/users/me/");
      session.access = null;
      factor.refresh = undefined;
      report(
        "mfa-logout",
        response.status === 200 && me.response.status === 401,
        `POST /api/token/blacklist/ → ${response.status}; GET /api/users/me/ with its access token → ${me.response.status}`,
      );
    },
    async "mfa-login"() {
      const { data, response } = await post("/api/token/", { username, password });
      const challenge = data !== undefined && "mfa_required" in data ? data : undefined;
      factor.challenge = challenge?.ephemeral_token ?? "";
      show("mfa-challenge", factor.challenge);
      // The challenge's cookie came with the answer, but no script can read it.
      const visible = document.cookie;
      const ok =
        response.status === 200 &&
        challenge?.mfa_required === true &&
        factor.challenge !== "" &&
        tokenPairOf(data) === undefined &&
        !visible.includes("mfa");
      report(
        "mfa-login",
        ok,
        `POST /api/token/ → ${response.status} {${Object.keys(data ?? {}).join(", ")}}: mfa_required, ephemeral ` +
          `token ${factor.challenge.slice(0, 12)}…, no access or refresh token; document.cookie: "${visible}"`,
      );
    },
    async "mfa-recovery"() {
      const code = factor.recoveryCodes.shift() ?? "";
      const { data, response } = await post("/api/mfa/verify/", { ephemeral_token: factor.challenge, code });
      const me = await holdPair(data);
      const status = await client.GET("/api/mfa/");
      const left = status.data?.recovery_codes_remaining;
      const ok = response.status === 200 && secondFactorUsed(data) && me.data?.username === username && left === 9;
      report(
        "mfa-recovery",
        ok,
        `POST /api/mfa/verify/ with recovery code ${code} → ${response.status}: a token pair at ${assurance(data)}; ` +
          `GET /api/users/me/ → ${me.response.status} ${me.data?.username}; GET /api/mfa/: ${left} recovery codes left`,
      );
    },
    async "mfa-totp"() {
      // RFC 6238 §5.2: a code works once. The last one the page used is refused; the challenge lives on.
      const used = factor.code;
      const replay = await post("/api/mfa/verify/", { ephemeral_token: factor.challenge, code: used });
      const refused = replay.response.status === 400 && JSON.stringify(replay.error) === '{"code":["Invalid code."]}';
      const { code, waited } = await nextCode();
      const { data, response } = await post("/api/mfa/verify/", { ephemeral_token: factor.challenge, code });
      const me = await holdPair(data);
      const ok = refused && response.status === 200 && secondFactorUsed(data) && me.data?.username === username;
      report(
        "mfa-totp",
        ok,
        `POST /api/mfa/verify/ with the used code ${used} → ${replay.response.status} ${JSON.stringify(replay.error)}; ` +
          `${waited} s later, with the next code ${code} → ${response.status}: a token pair at ${assurance(data)}; ` +
          `GET /api/users/me/ → ${me.response.status} ${me.data?.username}`,
      );
    },
  };
}
