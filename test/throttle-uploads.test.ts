import { describe, expect, it } from "vitest";
import { get, registerUser, uploadAvatar } from "./helpers";
import { serviceLimits, statusCounts } from "./helpers/throttle";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

describe("uploads: 20 avatar uploads per user per day (a scoped throttle)", () => {
  it("admits exactly 20 of 25 concurrent uploads, under the uploads scope alone", async () => {
    const user = await registerUser();
    const responses = await Promise.all(Array.from({ length: 25 }, () => uploadAvatar(user, PNG)));
    const counts = statusCounts(responses);
    expect((counts[200] ?? 0) + (counts[201] ?? 0)).toBe(20);
    expect(counts[429]).toBe(5);
    const refused = responses.find((r) => r.status === 429)!;
    expect(refused.headers.get("RateLimit-Policy")).toBe('"uploads";q=20;w=86400');
    expect(serviceLimits(refused)).toEqual({ uploads: { r: 0, t: expect.any(Number) } });

    // Another user's quota, and this user's other requests, are untouched.
    expect((await uploadAvatar(await registerUser(), PNG)).status).toBe(201);
    expect((await get("/api/users/me/", { token: user.access })).status).toBe(200);
  });
});
