import { createInsertSchema } from "drizzle-zod";
import { z } from "zod";
import { type User, users } from "../db/schema";
import { partial } from "../lib/html-input";
import { MAX_PASSWORD_LENGTH } from "../services/password-policy";
import { normalizeUsername } from "../services/usernames";
import { booleanField, charField, dateTime, responseId } from "./fields";

const columns = createInsertSchema(users).shape;

// Django's UsernameField (NFKC) and UnicodeUsernameValidator: letters, digits and @/./+/-/_ only.
export const username = charField(
  columns.username
    .overwrite((text) => normalizeUsername(text.trim()))
    .min(1)
    .regex(
      /^[\p{L}\p{N}_.@+-]+$/u,
      "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
    ),
);

/** Passwords are checked byte for byte: never trimmed, never truncated, only bounded. */
export const password = charField(z.string().min(1).max(MAX_PASSWORD_LENGTH));

// Django's EmailField: optional (blank allowed), well-formed when given. "Well-formed" is the HTML
// living standard's definition (what a browser's <input type=email> accepts), so `a@b.c` passes.
// Its "invalid" message is also its answer to a value that is not text.
const INVALID_EMAIL = "Enter a valid email address.";
const wellFormed = z.email({ pattern: z.regexes.html5Email });
// The document says what DRF's schema says of an EmailField.
const EMAIL_FORMAT = { format: "email" };
export const email = charField(
  z
    .string()
    .trim()
    .pipe(z.union([z.literal(""), wellFormed])),
  INVALID_EMAIL,
).meta(EMAIL_FORMAT);
/** An EmailField that must be given (required, not blank). */
export const requiredEmail = charField(z.string().trim().min(1).pipe(wellFormed), INVALID_EMAIL).meta(EMAIL_FORMAT);
const name = (column: typeof columns.firstName) => charField(column.unwrap().trim());

/** POST /api/register/. Anything else in the body (is_staff, is_superuser, id, ...) is ignored. */
export const registerBody = z.object({
  username,
  email: email.default(""),
  password,
  password_confirm: password,
  first_name: name(columns.firstName).default(""),
  last_name: name(columns.lastName).default(""),
});

/** The account as its owner (GET /api/users/me/) and staff see it: everything but the hash. */
export const userResponse = z
  .object({
    id: responseId,
    username: z.string(),
    email: z.string(),
    email_verified: z.boolean().meta({
      description:
        "Whether the account has confirmed `email` (a link mailed there). Only a verified address logs in and resets a password.",
    }),
    first_name: z.string(),
    last_name: z.string(),
    is_staff: z.boolean(),
    is_active: z.boolean(),
    is_superuser: z.boolean(),
    date_joined: dateTime,
    last_login: dateTime.nullable(),
  })
  .meta({ id: "User" });

export const serializeUser = (user: User): z.output<typeof userResponse> => ({
  id: user.id,
  username: user.username,
  email: user.email,
  email_verified: user.emailVerified,
  first_name: user.firstName,
  last_name: user.lastName,
  is_staff: user.isStaff,
  is_active: user.isActive,
  is_superuser: user.isSuperuser,
  date_joined: user.dateJoined.toISOString(),
  last_login: user.lastLogin?.toISOString() ?? null,
});

/**
 * PATCH /api/users/<id>/ by staff: username, names, email, is_active and is_staff. Everything else in
 * the body (id, password, is_superuser, dates) is dropped: granting superuser is left to createsuperuser.
 */
export const adminUserPatch = partial(
  z.object({
    // Only the username is required on the full serializer (the others have defaults or may be blank).
    username,
    email: email.optional(),
    first_name: name(columns.firstName).optional(),
    last_name: name(columns.lastName).optional(),
    is_active: booleanField.optional(),
    is_staff: booleanField.optional(),
  }),
);

/** The `user` object of the registration response. */
export const newUserResponse = userResponse
  .pick({ username: true, email: true, email_verified: true, first_name: true, last_name: true })
  .meta({ id: "NewUser" });

export const serializeNewUser = (user: User): z.output<typeof newUserResponse> => ({
  username: user.username,
  email: user.email,
  email_verified: user.emailVerified,
  first_name: user.firstName,
  last_name: user.lastName,
});

/** POST /api/password/change/. */
export const passwordChangeBody = z.object({
  old_password: password,
  new_password: password,
  new_password_confirm: password,
});
