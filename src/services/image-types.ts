// Avatars are accepted by their content, never by the Content-Type the client claims: a file that
// says image/png but holds HTML or SVG must not be stored and later served as an image.

export type ImageType = { contentType: string; extension: string };

const ascii = (text: string) => Array.from(text, (ch) => ch.charCodeAt(0));

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((b, i) => bytes[offset + i] === b);

const SIGNATURES: { test: (bytes: Uint8Array) => boolean; type: ImageType }[] = [
  {
    test: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    type: { contentType: "image/png", extension: "png" },
  },
  { test: (b) => startsWith(b, [0xff, 0xd8, 0xff]), type: { contentType: "image/jpeg", extension: "jpg" } },
  {
    test: (b) => startsWith(b, ascii("GIF87a")) || startsWith(b, ascii("GIF89a")),
    type: { contentType: "image/gif", extension: "gif" },
  },
  // RIFF container: "RIFF", 4 bytes of length, then the form type "WEBP".
  {
    test: (b) => startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8),
    type: { contentType: "image/webp", extension: "webp" },
  },
];

/** The image type the bytes really are (PNG, JPEG, GIF or WebP), or null for anything else. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  return SIGNATURES.find((s) => s.test(bytes))?.type ?? null;
}

/** The file extensions `sniffImageType` can give. */
export const IMAGE_EXTENSIONS = SIGNATURES.map((s) => s.type.extension);
