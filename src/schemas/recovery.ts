import { z } from "zod";
import { charField } from "./fields";
import { password, requiredEmail } from "./users";

// dj-rest-auth's account serializers, field for field, so SPA code written for it works unchanged.

/** A secret mailed in a link (CharField): what the link's `key` or `token` carried. */
const secret = charField(z.string().min(1).max(512));

/** POST /api/registration/verify-email/: the `key` of the mailed link. */
export const verifyEmailBody = z.object({ key: secret });

/** POST /api/registration/resend-email/ and POST /api/password/reset/. */
export const emailBody = z.object({ email: requiredEmail });

/** POST /api/password/reset/confirm/: the link's uid and token, and the new password twice. */
export const passwordResetConfirmBody = z.object({
  uid: secret,
  token: secret,
  new_password1: password,
  new_password2: password,
});

/** POST /api/email/change/: the new address, and the caller's current password. */
export const emailChangeBody = z.object({ email: requiredEmail, password });

/** POST /api/email/change/confirm/: the `key` of either mailed link. */
export const emailChangeConfirmBody = z.object({ key: secret });

/** What these views answer: dj-rest-auth's `{"detail": "..."}`. */
export const detailResponse = z.object({ detail: z.string() }).meta({ id: "Detail" });
