// What most tests use: requests to the Worker, users, rows and the resources' own requests. The rest is
// imported from its own module (clock, throttle, d1-recorder, key-sets, tokens, log-lines, permission-matrix).
export { AVATAR_UPLOAD, uploadAvatar } from "./avatars";
export { type BookJson, createBook, postBook, validBook } from "./books";
export { preflight, SPA } from "./cors";
export { type CallOptions, call, FORBIDDEN, get, post, type ReplacedBindings, UNAUTHENTICATED } from "./http";
export { lastMail, linkIn, mailTo, type OutboxMessage, settled } from "./mail";
export { countRows, rowOf } from "./rows";
export { claimsOf, refusedAccessBody } from "./tokens";
export { randomIp, unique } from "./unique";
export {
  login,
  makeStaff,
  makeSuperuser,
  me,
  patchUser,
  registerUser,
  STRONG_PASSWORD,
  setActive,
  staffUser,
  superuser,
  type TestUser,
  verifyEmailOf,
} from "./users";
