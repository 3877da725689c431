import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AVATAR_UPLOAD, call, get, post, registerUser, type TestUser, UNAUTHENTICATED, uploadAvatar } from "./helpers";

// The upload endpoint carries the `uploads` throttle (20/day per user): no user here uploads more
// than a handful of times.

const MAX = 2 * 1024 * 1024;
const NOT_AN_IMAGE = {
  detail: "Upload a valid image. The file you uploaded was either not an image or a corrupted image.",
};
const AVATAR_URL = /^http:\/\/api\.test\/api\/avatars\/[0-9a-f]{32}\.(png|jpg|gif|webp)$/;

const bytesOf = (text: string) => Array.from(text, (ch) => ch.charCodeAt(0));
const SIGNATURES = {
  png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  jpeg: [0xff, 0xd8, 0xff, 0xe0],
  gif87: bytesOf("GIF87a"),
  gif89: bytesOf("GIF89a"),
  webp: [...bytesOf("RIFF"), 0x24, 0, 0, 0, ...bytesOf("WEBPVP8 ")],
};

/** `size` bytes that start with `signature`, then a random tail so that every file is distinct. */
function image(signature: number[], size = 256): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(signature);
  crypto.getRandomValues(bytes.subarray(signature.length, Math.min(size, signature.length + 64)));
  return bytes;
}

type ProfileJson = { id: number; avatar: string | null; bio: string };

async function uploaded(user: TestUser, body: Uint8Array, expectedStatus = 200): Promise<ProfileJson> {
  const res = await uploadAvatar(user, body);
  expect(res.status, await res.clone().text()).toBe(expectedStatus);
  return res.json();
}

const keyOf = (url: string) => url.slice(url.lastIndexOf("/") + 1);
const pathOf = (url: string) => new URL(url).pathname;
const storedKeys = async () => (await env.AVATARS.list()).objects.map((o) => o.key).sort();
const avatarKeyOf = async (userId: number) =>
  (
    await env.DB.prepare("SELECT avatar_key FROM profiles WHERE user_id = ?")
      .bind(userId)
      .first<{ avatar_key: string | null }>()
  )?.avatar_key;

describe("avatars: upload and serving", () => {
  it("round trip: the upload creates the profile, and the URL serves the same bytes with long cache headers", async () => {
    const user = await registerUser();
    const png = image(SIGNATURES.png);
    const profile = await uploaded(user, png, 201);
    expect(profile.avatar).toMatch(AVATAR_URL);
    expect(await env.AVATARS.head(keyOf(profile.avatar!))).not.toBeNull();

    const res = await get(pathOf(profile.avatar!));
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(png);
    expect(res.headers.get("Content-Type")).toBe("image/png");
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("ETag")).toMatch(/^".+"$/);
    const head = await call("HEAD", pathOf(profile.avatar!));
    expect([head.status, head.headers.get("Content-Type"), await head.text()]).toEqual([200, "image/png", ""]);

    const me = await get("/api/profiles/me/", { token: user.access });
    expect(((await me.json()) as ProfileJson).avatar).toBe(profile.avatar);
  });

  it("the type comes from the bytes, whatever the client claims", async () => {
    const user = await registerUser();
    const cases: [number[], string][] = [
      [SIGNATURES.jpeg, "image/jpeg"],
      [SIGNATURES.gif87, "image/gif"],
      [SIGNATURES.gif89, "image/gif"],
      [SIGNATURES.webp, "image/webp"],
    ];
    for (const [signature, contentType] of cases) {
      const res = await uploadAvatar(user, image(signature), "application/octet-stream");
      expect(res.status).toBeLessThan(300);
      const { avatar } = (await res.json()) as ProfileJson;
      const served = await get(pathOf(avatar!));
      expect(served.headers.get("Content-Type")).toBe(contentType);
    }
  });

  it("a new upload gets a new URL, the old object is deleted, other profile fields are kept", async () => {
    const user = await registerUser();
    await post("/api/profiles/", { bio: "keep" }, { token: user.access });
    const first = await uploaded(user, image(SIGNATURES.png));
    const second = await uploaded(user, image(SIGNATURES.jpeg));
    expect(second.avatar).not.toBe(first.avatar);
    expect(second.bio).toBe("keep");
    expect(await env.AVATARS.head(keyOf(first.avatar!))).toBeNull();
    expect((await get(pathOf(first.avatar!))).status).toBe(404);
    expect((await get(pathOf(second.avatar!))).status).toBe(200);
  });

  it("concurrent uploads by one user leave exactly one stored object, the one the profile names", async () => {
    for (let round = 0; round < 3; round++) {
      const user = await registerUser();
      const before = await storedKeys();
      const responses = await Promise.all(Array.from({ length: 4 }, () => uploadAvatar(user, image(SIGNATURES.png))));
      expect(responses.every((r) => r.status === 200 || r.status === 201)).toBe(true);
      const added = (await storedKeys()).filter((k) => !before.includes(k));
      expect(added).toEqual([await avatarKeyOf(user.id)]);
    }
  });

  it("serving: a malformed or unknown key is 404; a matching If-None-Match is 304", async () => {
    expect(await get("/api/avatars/..%2Fsecret").then((r) => r.json())).toEqual({ detail: "Not found." });
    expect((await get(`/api/avatars/${"0".repeat(32)}.png`)).status).toBe(404);
    const user = await registerUser();
    const { avatar } = await uploaded(user, image(SIGNATURES.png), 201);
    const etag = (await get(pathOf(avatar!))).headers.get("ETag")!;
    const res = await get(pathOf(avatar!), { headers: { "If-None-Match": etag } });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe("");
  });

  it("serving: conditional requests as RFC 9110 says, malformed fields ignored and never a 500", async () => {
    const user = await registerUser();
    const { avatar } = await uploaded(user, image(SIGNATURES.png), 201);
    const first = await get(pathOf(avatar!));
    const etag = first.headers.get("ETag")!;
    const lastModified = first.headers.get("Last-Modified")!;
    expect(etag).toMatch(/^"[^"]+"$/);
    const past = "Mon, 01 Jan 2001 00:00:00 GMT";
    const future = new Date(Date.now() + 86_400_000).toUTCString();
    const cases: [Record<string, string>, number][] = [
      [{ "If-None-Match": etag }, 304],
      [{ "If-None-Match": `W/${etag}` }, 304],
      [{ "If-None-Match": `"other", ${etag}` }, 304],
      [{ "If-None-Match": "*" }, 304],
      [{ "If-None-Match": '"other"' }, 200],
      [{ "If-Match": etag }, 200],
      [{ "If-Match": "*" }, 200],
      [{ "If-Match": '"other"' }, 412],
      // If-Match compares strongly: a weak tag never matches.
      [{ "If-Match": `W/${etag}` }, 412],
      [{ "If-Match": '"other"', "If-None-Match": etag }, 412],
      [{ "If-Modified-Since": lastModified }, 304],
      [{ "If-Modified-Since": future }, 304],
      [{ "If-Modified-Since": past }, 200],
      [{ "If-Unmodified-Since": past }, 412],
      [{ "If-Unmodified-Since": future }, 200],
      // If-None-Match wins over If-Modified-Since.
      [{ "If-None-Match": '"other"', "If-Modified-Since": future }, 200],
      // Malformed: ignored.
      [{ "If-None-Match": "garbage" }, 200],
      [{ "If-None-Match": "W/garbage" }, 200],
      [{ "If-Match": "garbage" }, 200],
      [{ "If-Match": "W/garbage" }, 200],
      [{ "If-Match": '"unterminated' }, 200],
      [{ "If-Modified-Since": "yesterday" }, 200],
      [{ "If-Unmodified-Since": "not a date" }, 200],
      [{ "If-None-Match": '"a"b", ,' }, 200],
    ];
    for (const [headers, status] of cases) {
      const res = await get(pathOf(avatar!), { headers });
      expect(res.status, JSON.stringify(headers)).toBe(status);
      if (status === 200) expect(new Uint8Array(await res.arrayBuffer()).length).toBe(256);
      if (status === 304) expect([await res.text(), res.headers.get("ETag")]).toEqual(["", etag]);
      if (status === 412) expect(await res.json()).toEqual({ detail: "Precondition failed." });
    }
  });
});

describe("avatars: what is refused", () => {
  const notImages: [string, Uint8Array | string, string][] = [
    ["SVG claiming to be PNG", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/png"],
    ["HTML claiming to be JPEG", "<!doctype html><script>alert(1)</script>", "image/jpeg"],
    [
      "a RIFF file that is not WebP",
      new Uint8Array([...bytesOf("RIFF"), 0x24, 0, 0, 0, ...bytesOf("WAVEfmt ")]),
      "image/webp",
    ],
    ["a truncated PNG signature", new Uint8Array(SIGNATURES.png.slice(0, 7)), "image/png"],
    ["JSON", JSON.stringify({ avatar: "x" }), "application/json"],
  ];

  it.each(notImages)("%s → 415, nothing stored, the avatar unchanged", async (_, body, contentType) => {
    const user = await registerUser();
    const { avatar } = await uploaded(user, image(SIGNATURES.png), 201);
    const before = await storedKeys();
    const res = await uploadAvatar(user, body, contentType);
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual(NOT_AN_IMAGE);
    expect(await storedKeys()).toEqual(before);
    expect(await avatarKeyOf(user.id)).toBe(keyOf(avatar!));
  });

  it("an empty body is 400 and creates no profile", async () => {
    const user = await registerUser();
    const res = await uploadAvatar(user, new Uint8Array(0));
    expect([res.status, await res.json()]).toEqual([400, { detail: "No file was submitted." }]);
    expect(await avatarKeyOf(user.id)).toBeUndefined();
  });

  it("exactly 2 MiB is accepted; one byte more is 413 and nothing is stored", async () => {
    const user = await registerUser();
    await uploaded(user, image(SIGNATURES.png, MAX), 201);
    const before = await storedKeys();
    const key = await avatarKeyOf(user.id);
    const res = await uploadAvatar(user, image(SIGNATURES.png, MAX + 1));
    expect([res.status, await res.json()]).toEqual([413, { detail: "Request body is too large." }]);
    expect(await storedKeys()).toEqual(before);
    expect(await avatarKeyOf(user.id)).toBe(key);
  });

  it("a streamed body with no Content-Length is cut off at the limit too", async () => {
    const user = await registerUser();
    const chunk = image(SIGNATURES.png, 512 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 5) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await call("PUT", AVATAR_UPLOAD, body, { token: user.access });
    expect(res.status).toBe(413);
    expect(await avatarKeyOf(user.id)).toBeUndefined();
  });

  it("other endpoints keep the 64 KiB JSON limit", async () => {
    const user = await registerUser();
    await post("/api/profiles/", {}, { token: user.access });
    const res = await call("PATCH", "/api/profiles/me/", { bio: "x".repeat(65 * 1024) }, { token: user.access });
    expect(res.status).toBe(413);
  });

  it("anonymous uploads are 401 and store nothing", async () => {
    const before = await storedKeys();
    const res = await uploadAvatar(null, image(SIGNATURES.png));
    expect([res.status, await res.json()]).toEqual([401, UNAUTHENTICATED]);
    expect(await storedKeys()).toEqual(before);
  });
});

describe("avatars: removal", () => {
  it("DELETE removes the avatar: null in the profile, the object gone", async () => {
    const user = await registerUser();
    const { avatar } = await uploaded(user, image(SIGNATURES.gif89), 201);
    const res = await call("DELETE", AVATAR_UPLOAD, undefined, { token: user.access });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(await env.AVATARS.head(keyOf(avatar!))).toBeNull();
    expect((await get(pathOf(avatar!))).status).toBe(404);
    const me = await get("/api/profiles/me/", { token: user.access });
    expect(((await me.json()) as ProfileJson).avatar).toBeNull();
  });

  it("DELETE without a profile is 404", async () => {
    const user = await registerUser();
    const res = await call("DELETE", AVATAR_UPLOAD, undefined, { token: user.access });
    expect([res.status, await res.json()]).toEqual([404, { detail: "No UserProfile matches the given query." }]);
  });

  it("deleting the profile deletes its avatar object", async () => {
    const user = await registerUser();
    const profile = await uploaded(user, image(SIGNATURES.webp), 201);
    const res = await call("DELETE", `/api/profiles/${profile.id}/`, undefined, { token: user.access });
    expect(res.status).toBe(204);
    expect(await env.AVATARS.head(keyOf(profile.avatar!))).toBeNull();
  });

  it("one user's upload never touches another's avatar", async () => {
    const [a, b] = await Promise.all([registerUser(), registerUser()]);
    const first = await uploaded(a, image(SIGNATURES.png), 201);
    await uploaded(b, image(SIGNATURES.png), 201);
    expect(await avatarKeyOf(a.id)).toBe(keyOf(first.avatar!));
    expect((await get(pathOf(first.avatar!))).status).toBe(200);
  });
});

describe("avatars: multipart uploads (a browser's FormData, DRF's ImageField)", () => {
  const form = (fields: Record<string, Blob | string>) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    return body;
  };
  const uploadForm = (user: TestUser, body: FormData) => call("PUT", AVATAR_UPLOAD, body, { token: user.access });

  it("takes the image from the avatar field, sniffed by its bytes like a raw upload", async () => {
    const user = await registerUser();
    const png = image(SIGNATURES.png);
    const res = await uploadForm(
      user,
      form({ avatar: new File([png], "me.png", { type: "image/png" }), bio: "ignored" }),
    );
    expect(res.status).toBe(201);
    const { avatar } = (await res.json()) as ProfileJson;
    expect(avatar).toMatch(AVATAR_URL);
    expect(new Uint8Array(await (await get(pathOf(avatar!))).arrayBuffer())).toEqual(png);
    // The name and type the browser claims change nothing: the bytes decide.
    const jpeg = await uploadForm(
      user,
      form({ avatar: new File([image(SIGNATURES.jpeg)], "x.png", { type: "image/png" }) }),
    );
    expect(((await jpeg.json()) as ProfileJson).avatar).toMatch(/\.jpg$/);
  });

  it("refuses a missing or empty field, a text field and the wrong field name with DRF's 400; changes nothing", async () => {
    const user = await registerUser();
    const { avatar } = await uploaded(user, image(SIGNATURES.png), 201);
    const cases: Record<string, Blob | string>[] = [
      {},
      { avatar: "text, not a file" },
      { picture: new File([image(SIGNATURES.png)], "a.png") },
      { avatar: new File([], "empty.png") },
    ];
    for (const fields of cases) {
      const res = await uploadForm(user, form(fields));
      expect([res.status, await res.json()], JSON.stringify(Object.keys(fields))).toEqual([
        400,
        { avatar: ["No file was submitted."] },
      ]);
    }
    expect(((await (await get("/api/profiles/me/", { token: user.access })).json()) as ProfileJson).avatar).toBe(
      avatar,
    );
  });

  it("answers a file that is not an image 415, one over 2 MiB 413, and a malformed body 400", async () => {
    const user = await registerUser();
    const svg = new File(['<svg xmlns="http://www.w3.org/2000/svg"/>'], "a.png", { type: "image/png" });
    expect((await uploadForm(user, form({ avatar: svg }))).status).toBe(415);
    const huge = new File([image(SIGNATURES.png, MAX + 1)], "big.png", { type: "image/png" });
    expect((await uploadForm(user, form({ avatar: huge }))).status).toBe(413);
    const malformed = await call("PUT", AVATAR_UPLOAD, "--nope\r\n", {
      token: user.access,
      headers: { "Content-Type": "multipart/form-data; boundary=expected" },
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { detail: string }).detail).toMatch(/^Multipart form parse error - /);
    expect(await avatarKeyOf(user.id)).toBeUndefined();
  });
});
