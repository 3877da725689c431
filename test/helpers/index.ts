// What most tests use: requests to the Worker, users, rows. The rest is imported from its own module
// (clock, throttle, d1-recorder, key-sets, tokens, log-lines, permission-matrix).
export { type CallOptions, call, FORBIDDEN, get, post, type ReplacedBindings, UNAUTHENTICATED } from "./http";
export { countRows, rowOf } from "./rows";
export { claimsOf } from "./tokens";
export { randomIp, unique } from "./unique";
export { login, makeStaff, makeSuperuser, registerUser, STRONG_PASSWORD, setActive, type TestUser } from "./users";
