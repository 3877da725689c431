import type { MailMessage } from "./mail";

// The mails the API sends, each as plain text and HTML from one small template: a greeting, a few
// paragraphs, at most one link (a button in HTML), and a closing line. Every value is escaped in HTML.

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

type Template = {
  subject: string;
  paragraphs: string[];
  link?: { label: string; url: string };
  after?: string[];
  closing?: string;
};

const IGNORE = "If you did not ask for this, you can ignore this message.";

function render(to: string, { subject, paragraphs, link, after = [], closing = IGNORE }: Template): MailMessage {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : []), ...after, closing].join("\n\n");
  const html = [
    `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5; max-width: 36em">`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(link
      ? [
          `<p><a href="${escapeHtml(link.url)}" style="display: inline-block; padding: 0.5em 1em; background: #2c5282; color: #fff; text-decoration: none; border-radius: 4px">${escapeHtml(link.label)}</a></p>`,
          `<p style="font-size: 0.9em; color: #555">Or open this address: ${escapeHtml(link.url)}</p>`,
        ]
      : []),
    ...after.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<p style="font-size: 0.9em; color: #555">${escapeHtml(closing)}</p>`,
    "</body></html>",
  ].join("\n");
  return { to, subject, text, html };
}

const hours = (seconds: number) => (seconds % 86_400 === 0 ? `${seconds / 86_400} days` : `${seconds / 3600} hours`);

export const verifyEmailMail = (to: string, username: string, url: string, lifetime: number) =>
  render(to, {
    subject: "Confirm your email address",
    paragraphs: [`Someone, hopefully you, gave this address for the account "${username}".`],
    link: { label: "Confirm this address", url },
    after: [`The link works once, for ${hours(lifetime)}.`],
  });

/** To an address another account has already verified: a registration cannot take it, and says so only here. */
export const accountExistsMail = (to: string, username: string) =>
  render(to, {
    subject: "You already have an account",
    paragraphs: [
      `Someone tried to register a new account with this address, which already belongs to your account "${username}".`,
      "If that was you: log in with that account instead, or reset its password if you have forgotten it.",
    ],
    closing: "If it was not you, nothing has changed: your account is as it was.",
  });

export const passwordResetMail = (to: string, username: string, url: string, lifetime: number) =>
  render(to, {
    subject: "Reset your password",
    paragraphs: [`Someone, hopefully you, asked to reset the password of the account "${username}".`],
    link: { label: "Choose a new password", url },
    after: [`The link works once, for ${hours(lifetime)}. Your password stays as it is until you choose a new one.`],
  });

export const passwordChangedMail = (to: string, username: string) =>
  render(to, {
    subject: "Your password was changed",
    paragraphs: [`The password of the account "${username}" was just changed, and every session of it was ended.`],
    closing: "If you did not do this, reset your password at once: someone else may know it.",
  });

export const emailChangeNewMail = (to: string, username: string, url: string, lifetime: number) =>
  render(to, {
    subject: "Confirm your new email address",
    paragraphs: [`The account "${username}" asked to use this address from now on.`],
    link: { label: "Confirm this address", url },
    after: [`The link works once, for ${hours(lifetime)}.`],
  });

export const emailChangeOldMail = (to: string, username: string, newEmail: string, url: string, lifetime: number) =>
  render(to, {
    subject: "Confirm the change of your email address",
    paragraphs: [
      `The account "${username}" asked to change its email address from this one to ${newEmail}.`,
      "The change happens only once both addresses have confirmed it.",
    ],
    link: { label: "Confirm the change", url },
    after: [`The link works once, for ${hours(lifetime)}.`],
    closing: "If you did not ask for this, do not confirm, and change your password: someone else may know it.",
  });

export const secondFactorMail = (to: string, username: string, on: boolean) =>
  render(to, {
    subject: on ? "Two-factor authentication is on" : "Two-factor authentication is off",
    paragraphs: on
      ? [
          `The account "${username}" now asks for a code from your authenticator app at every login, and every ` +
            "session that did not was ended. Keep your recovery codes somewhere safe.",
        ]
      : [`The account "${username}" no longer asks for a second factor at login.`],
    closing: "If you did not do this, reset your password at once: someone else may be in your account.",
  });

export const recoveryCodeUsedMail = (to: string, username: string, remaining: number) =>
  render(to, {
    subject: "A recovery code was used",
    paragraphs: [
      `Someone logged into the account "${username}" with one of its recovery codes. ${remaining} unused ` +
        `code${remaining === 1 ? "" : "s"} remain.`,
      remaining <= 3
        ? "Make new ones soon: POST /api/mfa/recovery-codes/ from a session that used your second factor."
        : "",
    ].filter(Boolean),
    closing: "If it was not you, reset your password at once and make new recovery codes.",
  });
