import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { type ReplacedBindings, registerUser, settled, unique, verifyEmailOf } from "./helpers";
import { captureLog } from "./helpers/log-lines";

/** An account with a verified address, for a mail to go to. */
async function recipient() {
  const user = await registerUser();
  const email = `${unique("mail")}@example.com`;
  await verifyEmailOf(user.id, email);
  return email;
}

const askReset = (email: string, bindings: ReplacedBindings) =>
  settled("POST", "/api/password/reset/", { email }, { bindings });

describe("the transports MAIL_TRANSPORT chooses", () => {
  it("cloudflare: the send_email binding gets the message, from MAIL_FROM (and MAIL_FROM_NAME)", async () => {
    const email = await recipient();
    const send = vi.fn(async (_message: unknown) => ({ messageId: "m-1" }));
    const bindings = { MAIL_TRANSPORT: "cloudflare", EMAIL: { send }, MAIL_FROM_NAME: "Books" } as ReplacedBindings;
    expect((await askReset(email, bindings)).status).toBe(200);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0]![0]).toEqual({
      from: { email: "no-reply@example.com", name: "Books" },
      to: email,
      subject: "Reset your password",
      text: expect.stringContaining("http://localhost:5173/password-reset?uid="),
      html: expect.stringContaining("<a href="),
    });
  });

  it("resend: its API with the key, one Idempotency-Key for every attempt at one message, retried after a 5xx", async () => {
    const email = await recipient();
    const answers = [new Response("", { status: 503 }), new Response('{"id": "re_1"}', { status: 200 })];
    const fetch = vi.spyOn(globalThis, "fetch").mockImplementation(async () => answers.shift()!);
    const bindings = { MAIL_TRANSPORT: "resend", RESEND_API_KEY: "re_test_key" } as ReplacedBindings;
    expect((await askReset(email, bindings)).status).toBe(200);
    expect(fetch).toHaveBeenCalledTimes(2);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe("https://api.resend.com/emails");
    const headers = new Headers(init!.headers);
    expect(headers.get("Authorization")).toBe("Bearer re_test_key");
    const keys = fetch.mock.calls.map(([, i]) => new Headers(i!.headers).get("Idempotency-Key"));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(JSON.parse(init!.body as string)).toEqual({
      from: "no-reply@example.com",
      to: [email],
      subject: "Reset your password",
      text: expect.stringContaining("/password-reset?uid="),
      html: expect.stringContaining("<!doctype html>"),
    });
  });

  it("resend without RESEND_API_KEY is a misconfiguration, said plainly in local development", async () => {
    const errors = captureLog("error");
    const res = await settled("GET", "http://localhost/api/books/", undefined, {
      bindings: { MAIL_TRANSPORT: "resend" } as ReplacedBindings,
    });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { detail: string }).detail).toMatch(
      /MAIL_TRANSPORT is resend but RESEND_API_KEY is not set/,
    );
    expect(errors.lines().map((l) => l.event)).toContain("misconfigured");
  });

  it("an HTML body escapes what it shows: even a username with markup (imported from elsewhere) stays text", async () => {
    const user = await registerUser();
    const email = `${unique("esc")}@example.com`;
    await verifyEmailOf(user.id, email);
    const username = `<b>${user.username}`;
    await env.DB.prepare("UPDATE users SET username = ? WHERE id = ?").bind(username, user.id).run();
    const send = vi.fn(async (_message: unknown) => ({ messageId: "m" }));
    await askReset(email, { MAIL_TRANSPORT: "cloudflare", EMAIL: { send } } as ReplacedBindings);
    const { html, text } = send.mock.calls[0]![0] as { html: string; text: string };
    expect(text).toContain(`"${username}"`);
    expect(html).not.toContain("<b>");
    expect(html).toContain("&lt;b&gt;");
  });
});
