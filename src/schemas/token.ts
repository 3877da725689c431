import { z } from "zod";
import { password } from "./users";

// simplejwt's serializers: plain CharFields, so "" is "This field may not be blank.".
const token = z.string().min(1);

const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);

/** simplejwt's obtain serializer, whose USERNAME_FIELD may be given as the username or the email. */
export const obtainBody = z
  .object({
    username: z.string().trim().min(1).optional(),
    email: z.string().trim().min(1).optional().meta({ description: "In place of `username`." }),
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
