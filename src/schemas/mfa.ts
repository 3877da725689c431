import { z } from "zod";
import { charField, dateTime } from "./fields";
import { tokenPairResponse } from "./token";

// The second factor's requests and answers (dj-rest-auth's MFA branch, shaped by this API's own paths).

/** A code as typed: six TOTP digits, or a recovery code (`k3m9-x2pq-7hfd`, any case, spaces allowed). */
const code = charField(z.string().trim().min(1).max(64));

export const codeBody = z.object({ code });

/** POST /api/mfa/verify/: the login's challenge and a code. */
export const mfaVerifyBody = z.object({ ephemeral_token: charField(z.string().min(1).max(2048)), code });

export const mfaStatusResponse = z
  .object({
    enabled: z.boolean().meta({ description: "Whether logins need the second factor." }),
    totp: z
      .object({ confirmed: z.boolean(), created_at: dateTime, confirmed_at: dateTime.nullable() })
      .nullable()
      .meta({ description: "The TOTP factor: unconfirmed between enrolment and its first code; null if none." }),
    recovery_codes_remaining: z.number().int().nonnegative(),
  })
  .meta({ id: "MfaStatus" });

export const enrolmentResponse = z
  .object({
    secret: z.string().meta({ description: "Base32, for an authenticator app that cannot scan." }),
    otpauth_uri: z.string().meta({ description: "The key URI to show as a QR code (otpauth://totp/…)." }),
  })
  .meta({ id: "TotpEnrolment" });

const recoveryCodes = z
  .array(z.string())
  .meta({ description: "Ten single-use codes, shown this once: each logs in once in place of a TOTP code." });

export const recoveryCodesResponse = z.object({ recovery_codes: recoveryCodes }).meta({ id: "RecoveryCodes" });

/** Confirming the factor: its recovery codes, and a fresh aal2 session (every other one ended). */
export const mfaEnabledResponse = tokenPairResponse
  .extend({ recovery_codes: recoveryCodes })
  .meta({ id: "MfaEnabled" });
