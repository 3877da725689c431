// What most tests use: requests to the Worker, users, rows. The rest is imported from its own module
// (clock, throttle, d1-recorder, key-sets, tokens, log-lines, permission-matrix).
export { call, type CallOptions, FORBIDDEN, get, post, type ReplacedBindings, UNAUTHENTICATED } from "./http";
export { countRows, rowOf } from "./rows";
export { claimsOf } from "./tokens";
export { randomIp, unique } from "./unique";
export { login, makeStaff, makeSuperuser, registerUser, setActive, STRONG_PASSWORD, type TestUser } from "./users";
