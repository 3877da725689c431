import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  call,
  get,
  lastMail,
  linkIn,
  mailTo,
  me,
  patchUser,
  post,
  type ReplacedBindings,
  registerUser,
  rowOf,
  STRONG_PASSWORD,
  settled,
  staffUser,
  unique,
} from "./helpers";
import { freezeClock } from "./helpers/clock";

const VERIFY = "Confirm your email address";
const NO_ACCOUNT = { detail: "No active account found with the given credentials" };

/** A registration whose verification mail has been written when it returns. */
async function register(email: string, username = unique()) {
  const res = await settled("POST", "/api/register/", {
    username,
    email,
    password: STRONG_PASSWORD,
    password_confirm: STRONG_PASSWORD,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const body = (await res.json()) as { access: string; user: Record<string, unknown> };
  const row = await env.DB.prepare("SELECT id FROM users WHERE username = ?").bind(username).first<{ id: number }>();
  return { id: row!.id, username, access: body.access, user: body.user };
}

/** The key of the newest verification link mailed to `email` for the account `username`. */
async function keyFor(email: string, username: string) {
  const mails = (await mailTo(email)).filter((m) => m.subject === VERIFY && m.text.includes(`"${username}"`));
  expect(mails.length, `a verification mail for ${username}`).toBeGreaterThan(0);
  return linkIn(mails.at(-1)!).params.key!;
}

const verify = (key: string) => post("/api/registration/verify-email/", { key });
const loginByEmail = (email: string) => post("/api/token/", { email, password: STRONG_PASSWORD });

describe("verified addresses", () => {
  it("registration mails a link to the SPA's verify page; its key verifies the address once; email login then works", async () => {
    const email = `${unique("ada")}@example.com`;
    const ada = await register(email);
    expect(ada.user.email_verified).toBe(false);
    const message = await lastMail(email, VERIFY);
    const { url, params } = linkIn(message);
    // FRONTEND_URL (wrangler.toml's local value), never the request's Host.
    expect(url.startsWith("http://localhost:5173/verify-email?key=")).toBe(true);
    expect(params.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(message.html).toContain(url.replaceAll("&", "&amp;"));

    expect((await loginByEmail(email)).status).toBe(401);
    const res = await verify(params.key!);
    expect([res.status, await res.json()]).toEqual([200, { detail: "ok" }]);
    expect(await (await me(ada.access)).json()).toMatchObject({ email, email_verified: true });
    expect((await loginByEmail(email.toUpperCase())).status).toBe(200);

    // dj-rest-auth's answers: a used or unknown key is 404, GET is 405.
    const again = await verify(params.key!);
    expect([again.status, await again.json()]).toEqual([404, { detail: "Not found." }]);
    expect((await verify("x".repeat(43))).status).toBe(404);
    expect((await get("/api/registration/verify-email/")).status).toBe(405);
  });

  it("an unverified address never logs in, even with the right password: the same 401 as an unknown one", async () => {
    const email = `${unique("unverified")}@example.com`;
    await register(email);
    const res = await loginByEmail(email);
    expect([res.status, await res.json()]).toEqual([401, NO_ACCOUNT]);
  });

  it("a verification key expires after three days (fake clock)", async () => {
    const clock = freezeClock();
    const email = `${unique("slow")}@example.com`;
    const { username } = await register(email);
    const key = await keyFor(email, username);
    clock.advance(3 * 86_400_000 + 1);
    expect((await verify(key)).status).toBe(404);
  });

  it("resend-email always answers the same, mails a new link only to accounts claiming the address, and spends the old one", async () => {
    const clock = freezeClock();
    const email = `${unique("resend")}@example.com`;
    const { username } = await register(email);
    const first = await keyFor(email, username);
    const resend = (address: string) => settled("POST", "/api/registration/resend-email/", { email: address });
    // Within the per-address cooldown (1 mail a minute) another mail is dropped, and nothing says so.
    const early = await resend(email);
    expect([early.status, await early.json()]).toEqual([200, { detail: "ok" }]);
    expect(await keyFor(email, username)).toBe(first);

    clock.advance(61_000);
    const nobody = `${unique("nobody")}@example.com`;
    const answers = [];
    for (const address of [email, nobody]) {
      const res = await resend(address);
      answers.push([res.status, await res.json()]);
    }
    expect(answers).toEqual([
      [200, { detail: "ok" }],
      [200, { detail: "ok" }],
    ]);
    expect(await mailTo(nobody)).toEqual([]);
    const second = await keyFor(email, username);
    expect(second).not.toBe(first);
    expect((await verify(first)).status).toBe(404);
    expect((await verify(second)).status).toBe(200);
  });

  it("resend-email gives an account whose email was never verified (existing accounts, staff edits) a working link", async () => {
    const clock = freezeClock();
    const [admin, member] = await Promise.all([staffUser(), registerUser()]);
    const email = `${unique("legacy")}@example.com`;
    expect((await patchUser(admin, member, { email })).status).toBe(200);
    clock.advance(61_000);
    const res = await settled("POST", "/api/registration/resend-email/", { email });
    expect(res.status).toBe(200);
    const key = await keyFor(email, member.username);
    expect((await verify(key)).status).toBe(200);
    expect(await rowOf("users", member.id)).toMatchObject({ email, email_verified: 1 });
  });
});

describe("no squatting", () => {
  it("a squatter's claim does not stop the owner: she registers, verifies, logs in by email, and the claim is released", async () => {
    const email = `${unique("owner")}@example.com`;
    const squatter = await register(email);
    const clock = freezeClock();
    clock.advance(61_000); // past the per-address mail cooldown
    const owner = await register(email.toUpperCase());

    const res = await verify(await keyFor(email, owner.username));
    expect(res.status).toBe(200);
    expect(await rowOf("users", owner.id)).toMatchObject({ email: email.toUpperCase(), email_verified: 1 });
    expect(await rowOf("users", squatter.id)).toMatchObject({ email: "", email_verified: 0 });
    expect((await loginByEmail(email)).status).toBe(200);
    const claims = await post("/api/token/", { email, password: STRONG_PASSWORD });
    expect(claims.status).toBe(200);
    expect((await me(((await claims.json()) as { access: string }).access)).status).toBe(200);
    // The squatter's link, if followed now, cannot take the address back.
    const squatterKey = await keyFor(email, squatter.username);
    expect((await verify(squatterKey)).status).toBe(404);
    expect(await rowOf("users", owner.id)).toMatchObject({ email_verified: 1 });
  });

  it("registering with an address another account has verified answers as usual, mails that owner a word, and no link", async () => {
    const email = `${unique("held")}@example.com`;
    const holder = await register(email);
    expect((await verify(await keyFor(email, holder.username))).status).toBe(200);
    const clock = freezeClock();
    clock.advance(61_000);
    const before = (await mailTo(email)).length;
    const other = await register(email);
    expect(other.user).toMatchObject({ email, email_verified: false });
    const mails = (await mailTo(email)).slice(before);
    expect(mails.map((m) => m.subject)).toEqual(["You already have an account"]);
    expect(mails[0]!.text).toContain(`"${holder.username}"`);
    expect(mails[0]!.text).not.toMatch(/https?:\/\//);
    // The newcomer cannot log in by that address.
    const login = await loginByEmail(email);
    const { access } = (await login.json()) as { access: string };
    expect(await (await me(access)).json()).toMatchObject({ username: holder.username });
  });

  it("of two accounts verifying one address at once, exactly one gets it", async () => {
    const email = `${unique("both")}@example.com`;
    const a = await register(email);
    const clock = freezeClock();
    clock.advance(61_000);
    const b = await register(email);
    const keys = [await keyFor(email, a.username), await keyFor(email, b.username)];
    const results = await Promise.all(keys.map(verify));
    expect(results.map((r) => r.status).sort()).toEqual([200, 404]);
    const verified = await env.DB.prepare(
      "SELECT count(*) AS n FROM users WHERE lower(email) = lower(?) AND email_verified = 1",
    )
      .bind(email)
      .first<{ n: number }>();
    expect(verified!.n).toBe(1);
  });
});

describe("links come from configuration, never from the request", () => {
  it("ignores the Host header, and follows a configured template", async () => {
    const email = `${unique("host")}@example.com`;
    const res = await call(
      "POST",
      "http://evil.test/api/register/",
      { username: unique(), email, password: STRONG_PASSWORD, password_confirm: STRONG_PASSWORD },
      // An optional var wrangler.toml leaves unset, so Env does not list it.
      { bindings: { VERIFY_EMAIL_URL: "https://app.mysite.dev/#/verify/{key}" } as ReplacedBindings },
    );
    expect(res.status).toBe(201);
    const { url } = linkIn(await lastMail(email, VERIFY));
    expect(url).toMatch(/^https:\/\/app\.mysite\.dev\/#\/verify\/[A-Za-z0-9_-]{43}$/);
  });
});
