/**
 * The document's tags: the groups Swagger UI shows, in this order, each with what it holds. A route's
 * describe() names one of these, so a tag the document does not declare fails to compile.
 */
export const TAGS = {
  schema: "The API root, its health check, and this document with its Swagger UI.",
  token:
    "simplejwt's views: log in for an access and a refresh token, rotate, verify and revoke them; and the public " +
    "keys that verify the tokens. They read no `Authorization` header.",
  accounts: "Registration, email verification, password change and reset, email change.",
  mfa: "A second factor (TOTP with recovery codes): enrolment, the second step of a login, turning it off.",
  users: "The caller's account, and the administration of every account by staff (`is_staff`).",
  books: "The tutorial's books: anyone reads, a signed-in user adds, only a book's owner changes or deletes it.",
  tasks: "The caller's own tasks, with a trash; another user's task is not found.",
  profiles: "The caller's profile: one per user, seen and changed by that user alone.",
  sessions: "The caller's login sessions, one per login: list them, end one or all.",
  avatars: "Profile pictures: upload and remove the caller's, and the public images themselves.",
} as const;

export type Tag = keyof typeof TAGS;
