import { describe, expect, it } from "vitest";
import { parseIsoDate } from "../../src/schemas/fields";
import { sniffImageType } from "../../src/services/image-types";

describe("parseIsoDate (DRF's DateField input)", () => {
  it.each([
    ["2024-02-29", "2024-02-29"],
    ["1965-8-1", "1965-08-01"],
    ["0001-01-01", "0001-01-01"],
    ["9999-12-31", "9999-12-31"],
  ])("%s → %s", (text, date) => expect(parseIsoDate(text)).toBe(date));

  it.each([
    "2023-02-29",
    "2024-02-30",
    "2024-04-31",
    "2024-00-10",
    "2024-01-00",
    "0000-01-01",
    "24-01-01",
    "2024-01-01T00:00",
    " 2024-01-01",
    "2024/01/01",
    "",
  ])("%j is not a date", (text) => expect(parseIsoDate(text)).toBeNull());
});

describe("sniffImageType", () => {
  const bytes = (...parts: (number[] | string)[]) =>
    new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? Array.from(p, (c) => c.charCodeAt(0)) : p)));

  it.each([
    [bytes([0x89], "PNG\r\n\x1a\n", [0]), "image/png"],
    [bytes([0xff, 0xd8, 0xff, 0xdb]), "image/jpeg"],
    [bytes("GIF87a"), "image/gif"],
    [bytes("GIF89a"), "image/gif"],
    [bytes("RIFF", [1, 2, 3, 4], "WEBP"), "image/webp"],
  ])("recognises %o as %s", (data, contentType) => expect(sniffImageType(data)?.contentType).toBe(contentType));

  it.each([
    bytes("<svg"),
    bytes("RIFF", [1, 2, 3, 4], "WAVE"),
    bytes("GIF88a"),
    bytes([0xff, 0xd8]),
    bytes([0x89], "PNG"),
    new Uint8Array(0),
  ])("refuses %o", (data) => expect(sniffImageType(data)).toBeNull());
});
