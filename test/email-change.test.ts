import { describe, expect, it } from "vitest";
import {
  lastMail,
  linkIn,
  mailTo,
  me,
  post,
  registerUser,
  rowOf,
  STRONG_PASSWORD,
  settled,
  type TestUser,
  unique,
  verifyEmailOf,
} from "./helpers";
import { freezeClock } from "./helpers/clock";

const TO_NEW = "Confirm your new email address";
const TO_OLD = "Confirm the change of your email address";
const SENT = { detail: "Confirmation e-mail sent." };
const PENDING = { detail: "Confirmation accepted. Please confirm the link sent to the other address." };
const CHANGED = { detail: "Your email address has been changed." };

const change = (user: TestUser, body: Record<string, unknown>) =>
  settled("POST", "/api/email/change/", body, { token: user.access });
const confirm = (key: string) => post("/api/email/change/confirm/", { key });
const keyIn = async (address: string, subject: string) => linkIn(await lastMail(address, subject)).params.key!;

/** An account with a verified address. */
async function verifiedUser() {
  const user = await registerUser();
  const email = `${unique("old")}@example.com`;
  await verifyEmailOf(user.id, email);
  return { ...user, email };
}

describe("changing the email address", () => {
  it("needs both addresses to confirm when the current one is verified; until then nothing changes", async () => {
    const user = await verifiedUser();
    const next = `${unique("new")}@example.com`;
    const res = await change(user, { email: next, password: STRONG_PASSWORD });
    expect([res.status, await res.json()]).toEqual([200, SENT]);
    const toNew = await keyIn(next, TO_NEW);
    const toOld = await keyIn(user.email, TO_OLD);
    expect(linkIn(await lastMail(next, TO_NEW)).url).toMatch(/^http:\/\/localhost:5173\/email-change\?key=/);

    const first = await confirm(toNew);
    expect([first.status, await first.json()]).toEqual([200, PENDING]);
    expect(await (await me(user.access)).json()).toMatchObject({ email: user.email, email_verified: true });
    const second = await confirm(toOld);
    expect([second.status, await second.json()]).toEqual([200, CHANGED]);
    expect(await (await me(user.access)).json()).toMatchObject({ email: next, email_verified: true });
    expect((await post("/api/token/", { email: next, password: STRONG_PASSWORD })).status).toBe(200);
    expect((await post("/api/token/", { email: user.email, password: STRONG_PASSWORD })).status).toBe(401);
    // Each key works once.
    expect((await confirm(toOld)).status).toBe(404);
  });

  it("needs only the new address when the current one was never verified, and releases other claims on it", async () => {
    const old = `${unique("unproven")}@example.com`;
    const user = await registerUser({ email: old });
    const next = `${unique("new")}@example.com`;
    const squatter = await registerUser({ email: next });
    expect((await change(user, { email: next, password: STRONG_PASSWORD })).status).toBe(200);
    expect((await mailTo(old)).filter((m) => m.subject === TO_OLD)).toEqual([]);
    const res = await confirm(await keyIn(next, TO_NEW));
    expect([res.status, await res.json()]).toEqual([200, CHANGED]);
    expect(await rowOf("users", user.id)).toMatchObject({ email: next, email_verified: 1 });
    expect(await rowOf("users", squatter.id)).toMatchObject({ email: "" });
  });

  it("confirmed at once from both links, changes exactly once", async () => {
    const user = await verifiedUser();
    const next = `${unique("new")}@example.com`;
    await change(user, { email: next, password: STRONG_PASSWORD });
    const keys = [await keyIn(next, TO_NEW), await keyIn(user.email, TO_OLD)];
    const results = await Promise.all([...keys, ...keys].map(confirm));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 404, 404]);
    const details = await Promise.all(results.filter((r) => r.status === 200).map((r) => r.json()));
    expect(details).toContainEqual(CHANGED);
    expect(await rowOf("users", user.id)).toMatchObject({ email: next, email_verified: 1 });
  });

  it("answers the same for an address another account has verified, and mails it nothing", async () => {
    const [user, holder] = await Promise.all([verifiedUser(), verifiedUser()]);
    const res = await change(user, { email: holder.email.toUpperCase(), password: STRONG_PASSWORD });
    expect([res.status, await res.json()]).toEqual([200, SENT]);
    expect((await mailTo(holder.email)).filter((m) => m.subject === TO_NEW)).toEqual([]);
    expect((await mailTo(user.email)).filter((m) => m.subject === TO_OLD)).toEqual([]);
    expect(await rowOf("users", user.id)).toMatchObject({ email: user.email });
  });

  it("refuses a wrong password and the address the account already has", async () => {
    const user = await verifiedUser();
    const wrong = await change(user, { email: `${unique("x")}@example.com`, password: "not the password" });
    expect([wrong.status, await wrong.json()]).toEqual([
      400,
      { password: ["Your password was entered incorrectly. Please enter it again."] },
    ]);
    const same = await change(user, { email: user.email.toUpperCase(), password: STRONG_PASSWORD });
    expect([same.status, await same.json()]).toEqual([400, { email: ["This is already your email address."] }]);
    const anonymous = await post("/api/email/change/", { email: "a@b.c", password: STRONG_PASSWORD });
    expect(anonymous.status).toBe(401);
  });

  it("a newer request replaces a pending one; links expire after a day (fake clock)", async () => {
    const clock = freezeClock();
    const user = await verifiedUser();
    const [a, b] = [`${unique("a")}@example.com`, `${unique("b")}@example.com`];
    await change(user, { email: a, password: STRONG_PASSWORD });
    const stale = await keyIn(a, TO_NEW);
    clock.advance(61_000);
    await change(user, { email: b, password: STRONG_PASSWORD });
    expect((await confirm(stale)).status).toBe(404);
    const fresh = await keyIn(b, TO_NEW);
    clock.advance(86_400_000 + 1);
    expect((await confirm(fresh)).status).toBe(404);
    expect(await rowOf("users", user.id)).toMatchObject({ email: user.email });
  });
});
