import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import {
  type CallOptions,
  lastMail,
  linkIn,
  mailTo,
  me,
  post,
  randomIp,
  registerUser,
  rowOf,
  settled,
  type TestUser,
  unique,
  verifyEmailOf,
} from "./helpers";
import { freezeClock } from "./helpers/clock";
import { recordingD1 } from "./helpers/d1-recorder";
import { captureLog } from "./helpers/log-lines";
import { statusCounts } from "./helpers/throttle";

const RESET = "Reset your password";
const SENT = { detail: "Password reset e-mail has been sent." };
const DONE = { detail: "Password has been reset with the new password." };
const NEW_PASSWORD = "a brand new passphrase";

const requestReset = (email: string, options: CallOptions = {}) =>
  settled("POST", "/api/password/reset/", { email }, options);
const confirm = (body: Record<string, unknown>) => settled("POST", "/api/password/reset/confirm/", body);

/** An account with a verified address, and that address. */
async function owner(): Promise<TestUser & { email: string }> {
  const user = await registerUser();
  const email = `${unique("reset")}@example.com`;
  await verifyEmailOf(user.id, email);
  return { ...user, email };
}

/** Asks for a reset of `email` and returns the uid and token of the link mailed to it. */
async function resetLink(email: string) {
  expect((await requestReset(email)).status).toBe(200);
  const { url, params } = linkIn(await lastMail(email, RESET));
  expect(url.startsWith("http://localhost:5173/password-reset?uid=")).toBe(true);
  return { uid: params.uid!, token: params.token! };
}

const newPassword = (link: { uid: string; token: string }, password = NEW_PASSWORD) => ({
  ...link,
  new_password1: password,
  new_password2: password,
});

/** Status, body and every header but the per-request ones. */
async function answerOf(res: Response) {
  const headers = Object.fromEntries([...res.headers].filter(([name]) => !["x-request-id", "date"].includes(name)));
  return { status: res.status, body: await res.text(), headers };
}

describe("asking for a reset: nothing tells an account from none", () => {
  it("known and unknown addresses get byte-identical answers; only the known one gets a mail, with a link", async () => {
    const known = await owner();
    const unknown = `${unique("nobody")}@example.com`;
    const [a, b] = [await answerOf(await requestReset(known.email)), await answerOf(await requestReset(unknown))];
    expect(a).toEqual(b);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toEqual(SENT);
    expect(await mailTo(unknown)).toEqual([]);
    const mails = await mailTo(known.email);
    expect(mails.map((m) => m.subject)).toEqual([RESET]);
    expect(linkIn(mails[0]!).params).toEqual({ uid: expect.any(String), token: expect.stringMatching(/^[\w-]{43}$/) });
  });

  it("looks nothing up before it answers: the answer's path reads no database, known address or not", async () => {
    const known = await owner();
    for (const email of [known.email, `${unique("nobody")}@example.com`]) {
      const d1 = recordingD1();
      const ctx = createExecutionContext();
      const request = new Request("http://api.test/api/password/reset/", {
        method: "POST",
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": randomIp() },
        body: JSON.stringify({ email }),
      });
      const res = await worker.fetch(request, { ...env, DB: d1.binding }, ctx);
      const beforeAnswer = d1.calls().length;
      await waitOnExecutionContext(ctx);
      expect([res.status, beforeAnswer], email).toEqual([200, 0]);
      // The lookup itself happened, after the answer.
      expect(d1.calls().length, email).toBeGreaterThan(0);
    }
  });

  it("mails no unverified, inactive or unknown address", async () => {
    const unverified = await registerUser({ email: `${unique("claim")}@example.com` });
    const claimed = ((await rowOf("users", unverified.id)) as { email: string }).email;
    const inactive = await owner();
    await env.DB.prepare("UPDATE users SET is_active = 0 WHERE id = ?").bind(inactive.id).run();
    for (const email of [claimed, inactive.email]) {
      const res = await requestReset(email);
      expect([res.status, await res.json()]).toEqual([200, SENT]);
      expect((await mailTo(email)).filter((m) => m.subject === RESET)).toEqual([]);
    }
  });

  it("throttles per address and per client, the same for known and unknown addresses: never a 429 only accounts get", async () => {
    freezeClock();
    const known = await owner();
    const unknown = `${unique("nobody")}@example.com`;
    for (const email of [known.email, unknown]) {
      // password_reset: 5 an hour per address, from any number of clients.
      const results = [];
      for (let i = 0; i < 6; i++) results.push(await requestReset(email, { ip: randomIp() }));
      expect(statusCounts(results)).toEqual({ 200: 5, 429: 1 });
      expect(await results[5]!.json()).toEqual({ detail: expect.stringMatching(/^Request was throttled/) });
    }
    // …and 5 an hour per client, whatever the address.
    const ip = randomIp();
    const fromOne = [];
    for (let i = 0; i < 6; i++) fromOne.push(await requestReset(`${unique("any")}@example.com`, { ip }));
    expect(statusCounts(fromOne)).toEqual({ 200: 5, 429: 1 });
  });

  it("mails one address at most once a minute (the mail_cooldown scope): extra requests are answered, not mailed", async () => {
    const clock = freezeClock();
    const known = await owner();
    for (let i = 0; i < 3; i++) expect((await requestReset(known.email, { ip: randomIp() })).status).toBe(200);
    expect((await mailTo(known.email)).length).toBe(1);
    clock.advance(61_000);
    expect((await requestReset(known.email, { ip: randomIp() })).status).toBe(200);
    expect((await mailTo(known.email)).length).toBe(2);
  });
});

describe("setting a new password with the link", () => {
  it("sets it, ends every session (refresh and access), logs nobody in, and mails a notice", async () => {
    const user = await owner();
    const link = await resetLink(user.email);
    const res = await confirm(newPassword(link));
    expect([res.status, await res.json()]).toEqual([200, DONE]);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    // No tokens, but the client that proved the mailbox is a known device from now on.
    expect(res.headers.getSetCookie().filter((c) => c.startsWith("__Host-device="))).toHaveLength(1);
    expect((await me(user.access)).status).toBe(401);
    expect((await post("/api/token/refresh/", { refresh: user.refresh })).status).toBe(401);
    expect((await post("/api/token/", { username: user.username, password: user.password })).status).toBe(401);
    expect((await post("/api/token/", { email: user.email, password: NEW_PASSWORD })).status).toBe(200);
    expect((await mailTo(user.email)).map((m) => m.subject)).toEqual([RESET, "Your password was changed"]);
  });

  it("works once: of six concurrent confirms exactly one succeeds", async () => {
    const user = await owner();
    const link = await resetLink(user.email);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => confirm(newPassword(link, `${NEW_PASSWORD} ${i}`))),
    );
    expect(statusCounts(results)).toEqual({ 200: 1, 400: 5 });
    for (const refused of results.filter((r) => r.status === 400)) {
      expect(await refused.json()).toEqual({ token: ["Invalid value"] });
    }
    const winner = results.findIndex((r) => r.status === 200);
    expect((await post("/api/token/", { username: user.username, password: `${NEW_PASSWORD} ${winner}` })).status).toBe(
      200,
    );
  });

  it("expires after an hour (fake clock)", async () => {
    const clock = freezeClock();
    const user = await owner();
    const link = await resetLink(user.email);
    clock.advance(3_600_000 + 1);
    const res = await confirm(newPassword(link));
    expect([res.status, await res.json()]).toEqual([400, { token: ["Invalid value"] }]);
  });

  it("is dead once the password changes, or the address does", async () => {
    const clock = freezeClock();
    const user = await owner();
    const link = await resetLink(user.email);
    const changed = await post(
      "/api/password/change/",
      { old_password: user.password, new_password: NEW_PASSWORD, new_password_confirm: NEW_PASSWORD },
      { token: user.access },
    );
    expect(changed.status).toBe(200);
    expect((await confirm(newPassword(link, "yet another passphrase"))).status).toBe(400);

    const other = await owner();
    clock.advance(61_000);
    const otherLink = await resetLink(other.email);
    await verifyEmailOf(other.id, `${unique("moved")}@example.com`);
    expect(await (await confirm(newPassword(otherLink))).json()).toEqual({ token: ["Invalid value"] });
  });

  it("answers a bad uid, a bad token and a bad password with dj-rest-auth's 400s, in its order", async () => {
    const user = await owner();
    const link = await resetLink(user.email);
    const cases: [Record<string, unknown>, unknown][] = [
      [newPassword({ ...link, uid: "!!" }), { uid: ["Invalid value"] }],
      [newPassword({ ...link, uid: btoa("999999999").replaceAll("=", "") }), { uid: ["Invalid value"] }],
      [newPassword({ ...link, uid: btoa("02").replaceAll("=", "") }), { uid: ["Invalid value"] }],
      [newPassword({ ...link, token: "x".repeat(43) }), { token: ["Invalid value"] }],
      [
        { ...link, new_password1: NEW_PASSWORD, new_password2: "other" },
        { new_password2: ["The two password fields didn’t match."] },
      ],
      [
        newPassword(link, "short"),
        { new_password2: ["This password is too short. It must contain at least 8 characters."] },
      ],
      [
        { uid: link.uid },
        {
          token: ["This field is required."],
          new_password1: ["This field is required."],
          new_password2: ["This field is required."],
        },
      ],
    ];
    for (const [body, errors] of cases) {
      const res = await confirm(body);
      expect([res.status, await res.json()], JSON.stringify(body)).toEqual([400, errors]);
    }
    // None of them spent the token.
    expect((await confirm(newPassword(link))).status).toBe(200);
  });
});

describe("a failing mail transport", () => {
  const failing = { send: vi.fn(() => Promise.reject(new Error("E_RATE_LIMIT_EXCEEDED"))) };

  it("is answered exactly as a working one, retried, then logged with the request id and never the link", async () => {
    const known = await owner();
    const errors = captureLog("error");
    const broken = { MAIL_TRANSPORT: "cloudflare", EMAIL: failing };
    const [a, b] = [
      await answerOf(await requestReset(known.email, { bindings: broken })),
      await answerOf(await requestReset(`${unique("nobody")}@example.com`, { bindings: broken })),
    ];
    expect(a).toEqual(b);
    expect(a.status).toBe(200);
    expect(failing.send).toHaveBeenCalledTimes(3);
    const [line] = errors.lines().filter((l) => l.event === "mail_failed");
    expect(line).toMatchObject({
      event: "mail_failed",
      kind: "password_reset",
      attempts: 3,
      request_id: expect.any(String),
    });
    // The token was issued (the job got that far): its link is in no log line.
    const token = await env.DB.prepare("SELECT count(*) AS n FROM account_tokens WHERE user_id = ?")
      .bind(known.id)
      .first<{ n: number }>();
    expect(token!.n).toBe(1);
    expect(JSON.stringify(errors.spy.mock.calls)).not.toMatch(/token=|uid=/);
  });
});
