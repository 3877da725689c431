import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call as callWorker, claimsOf, STRONG_PASSWORD, unique } from "./helpers";

/**
 * KV as another Cloudflare location sees it: a write becomes visible only 60 s after it was made
 * (and "not found" is what it answers until then). Nothing about refresh tokens may depend on it.
 */
function staleKv(kv: KVNamespace): KVNamespace {
  const writtenAt = new Map<string, number>();
  return new Proxy(kv, {
    get(target, property) {
      if (property === "put") {
        return (key: string, ...rest: unknown[]) => {
          writtenAt.set(key, Date.now());
          return (target.put as (...args: unknown[]) => Promise<void>)(key, ...rest);
        };
      }
      if (property === "get") {
        return async (key: string, ...rest: unknown[]) => {
          const at = writtenAt.get(key);
          if (at !== undefined && Date.now() - at < 60_000) return null;
          return (target.get as (...args: unknown[]) => Promise<unknown>)(key, ...rest);
        };
      }
      return Reflect.get(target, property);
    },
  });
}

const staleBlacklist = staleKv(env.BLACKLIST);

/** A request to the Worker whose KV binding answers with 60-second-old data. */
const call = (method: string, path: string, body?: unknown, token?: string) =>
  callWorker(method, path, body, { token, bindings: { BLACKLIST: staleBlacklist } });

async function newUser() {
  const username = unique();
  const res = await call("POST", "/api/register/", {
    username,
    password: STRONG_PASSWORD,
    password_confirm: STRONG_PASSWORD,
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { access: string; refresh: string };
}

describe("refresh tokens with a stale KV (another location, writes 60 s behind)", () => {
  it("the stale view really hides the blacklist entries just written", async () => {
    const user = await newUser();
    expect((await call("POST", "/api/token/refresh/", { refresh: user.refresh })).status).toBe(200);
    const jti = claimsOf(user.refresh).jti as string;
    expect(await env.BLACKLIST.get(jti)).not.toBeNull();
    expect(await staleBlacklist.get(jti)).toBeNull();
  });

  it("still lets exactly one of 20 parallel refreshes through", async () => {
    for (let round = 0; round < 5; round++) {
      const user = await newUser();
      const statuses = await Promise.all(
        Array.from({ length: 20 }, () =>
          call("POST", "/api/token/refresh/", { refresh: user.refresh }).then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 401)).toHaveLength(19);
    }
  });

  it("still detects reuse and revokes the family", async () => {
    const user = await newUser();
    let current = user.refresh;
    for (let i = 0; i < 3; i++) {
      const res = await call("POST", "/api/token/refresh/", { refresh: current });
      current = ((await res.json()) as { refresh: string }).refresh;
    }
    expect((await call("POST", "/api/token/refresh/", { refresh: user.refresh })).status).toBe(401);
    expect((await call("POST", "/api/token/refresh/", { refresh: current })).status).toBe(401);
  });

  it("still refuses a logged-out refresh token, and its access token, everywhere", async () => {
    const user = await newUser();
    expect((await call("POST", "/api/token/blacklist/", { refresh: user.refresh })).status).toBe(200);
    expect((await call("POST", "/api/token/refresh/", { refresh: user.refresh })).status).toBe(401);
    expect((await call("POST", "/api/token/verify/", { token: user.refresh })).status).toBe(400);
    expect((await call("GET", "/api/users/me/", undefined, user.access)).status).toBe(401);
  });
});
