import { call } from "./http";
import type { TestUser } from "./users";

export const AVATAR_UPLOAD = "/api/profiles/me/avatar/";

/** PUT `body` as the avatar of `user` (anonymous when null), declared as `contentType`. */
export const uploadAvatar = (user: TestUser | null, body: Uint8Array | string, contentType = "image/png") =>
  call("PUT", AVATAR_UPLOAD, body, { token: user?.access, headers: { "Content-Type": contentType } });
