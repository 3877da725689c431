import { z } from "zod";
import { charField } from "./fields";
import { newUserResponse, password } from "./users";

// simplejwt's serializers: plain CharFields, so "" is "This field may not be blank.".
const token = charField(z.string().min(1));

const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);

/** simplejwt's obtain serializer, whose USERNAME_FIELD may be given as the username or the email. */
export const obtainBody = z
  .object({
    username: charField(z.string().trim().min(1)).optional(),
    email: charField(z.string().trim().min(1)).optional().meta({ description: "In place of `username`." }),
    password,
  })
  .refine((body) => body.username !== undefined || body.email !== undefined, {
    path: ["username"],
    message: "This field is required.",
    // Reported with the other fields' errors, as a serializer reports them all at once.
    when: ({ value }) => isObject(value),
  });
/** In cookie mode (X-Token-Transport: cookie) the refresh token may come as the __Host-refresh cookie instead. */
export const refreshBody = z.object({ refresh: token.optional() });
export const verifyBody = z.object({ token });

/** A refresh token in a response: absent in cookie mode, where it is the HttpOnly __Host-refresh cookie. */
const refresh = z
  .string()
  .optional()
  .meta({ description: "Absent in cookie mode: then it is the HttpOnly `__Host-refresh` cookie." });

export const tokenPairResponse = z.object({ refresh, access: z.string() }).meta({ id: "TokenPair" });

/** dj-rest-auth's MFA login: a right password for an account with a second factor answers this, and no token. */
export const mfaChallengeResponse = z
  .object({
    mfa_required: z.literal(true),
    ephemeral_token: z.string().meta({
      description:
        "Answer it with POST /api/mfa/verify/ within five minutes, from this client (it is bound to the " +
        "HttpOnly `__Host-mfa` cookie set with it).",
    }),
  })
  .meta({ id: "MfaChallenge" });

export const loginResponse = z.union([tokenPairResponse, mfaChallengeResponse]);

/** simplejwt's verify and blacklist views answer `{}`. */
export const emptyResponse = z.object({}).meta({ id: "Empty" });

export const registrationResponse = z
  .object({ user: newUserResponse, refresh, access: z.string() })
  .meta({ id: "Registration" });

export const passwordChangedResponse = z
  .object({ detail: z.string(), refresh, access: z.string() })
  .meta({ id: "PasswordChanged" });
