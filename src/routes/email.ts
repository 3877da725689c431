import { Hono } from "hono";
import type { AppEnv } from "../env";
import { validationError } from "../lib/errors";
import { afterResponse } from "../middleware/background";
import { AllowAny, IsAuthenticated, SecondFactorWhenEnabled } from "../middleware/permissions";
import { permit } from "../middleware/permit";
import { validateJson } from "../middleware/validate";
import { describe, ok } from "../openapi/describe";
import { detailResponse, emailChangeBody, emailChangeConfirmBody } from "../schemas/recovery";
import { confirmEmailChange } from "../services/account-recovery";
import { sendEmailChange } from "../services/mail-jobs";
import { verifyPassword } from "../services/passwords";

/** A confirmed change of the caller's email address (Supabase's secure email change). */
export const emailRoutes = new Hono<AppEnv>()
  .post(
    "/email/change/",
    describe({
      tag: "accounts",
      summary: "Change the caller's email address, once confirmed",
      description:
        "Mails a link to the new address and, when the current one is verified, a second link to it: the address " +
        "changes (verified) once both are followed. Until then the account's email is unchanged. An address another " +
        "account has verified gets no link, and the answer is the same. With a second factor on, only from a " +
        "session that used it (403 `mfa_step_up_required` otherwise).",
      responses: ok("Sent.", detailResponse),
    }),
    permit([IsAuthenticated, SecondFactorWhenEnabled], {
      throttles: ["email_change"],
      reads: "primary",
      noStore: true,
    }),
    validateJson(emailChangeBody),
    async (c) => {
      const user = await c.var.user;
      const body = c.req.valid("json");
      if (!(await verifyPassword(body.password, user.password))) {
        throw validationError({ password: ["Your password was entered incorrectly. Please enter it again."] });
      }
      if (body.email.toLowerCase() === user.email.toLowerCase()) {
        throw validationError({ email: ["This is already your email address."] });
      }
      afterResponse(c, (context) => sendEmailChange(context, user.id, body.email));
      return c.json({ detail: "Confirmation e-mail sent." });
    },
  )
  .post(
    "/email/change/confirm/",
    describe({
      tag: "accounts",
      summary: "Confirm an email change (the key of either mailed link)",
      description: "A key works once. The change applies when every link it needs has been followed.",
      responses: ok("Confirmed; `detail` says whether the other address must still confirm.", detailResponse),
      errors: [404],
    }),
    permit([AllowAny], { throttles: ["email_verify"], reads: "primary", noStore: true }),
    validateJson(emailChangeConfirmBody),
    async (c) => {
      const outcome = await confirmEmailChange(c.var.db, c.req.valid("json").key);
      const detail =
        outcome === "changed"
          ? "Your email address has been changed."
          : "Confirmation accepted. Please confirm the link sent to the other address.";
      return c.json({ detail });
    },
  );
