import { describe, expect, it } from "vitest";
import { readVar, removeVar, writeVar } from "../../scripts/dev-vars";

// What `npm run dev` and `npm run keys` do to a developer's .dev.vars: one line changes, the rest stays.
describe(".dev.vars editing", () => {
  const file = '# local secrets\nexport OTHER=1\nJWT_SECRET=abc # old\n\nLAST="x y"\n';

  it("reads a value, unquoted or quoted, the later line winning as in dotenv", () => {
    expect(readVar(file, "OTHER")).toBe("1");
    expect(readVar(file, "LAST")).toBe("x y");
    expect(readVar("A='{\"keys\":[]}'\n", "A")).toBe('{"keys":[]}');
    expect(readVar("A=1\nA=2\n", "A")).toBe("2");
    expect(readVar(file, "JWT_SIGNING_KEYS")).toBeUndefined();
    expect(readVar("JWT_SIGNING_KEYS_OLD=1\n", "JWT_SIGNING_KEYS")).toBeUndefined();
  });

  it("appends a new variable in single quotes and keeps every other line", () => {
    const written = writeVar(file, "JWT_SIGNING_KEYS", '{"keys":[{"kid":"a#b"}]}');
    expect(written).toBe(`${file}JWT_SIGNING_KEYS='{"keys":[{"kid":"a#b"}]}'\n`);
    expect(readVar(written, "JWT_SIGNING_KEYS")).toBe('{"keys":[{"kid":"a#b"}]}');
    expect(writeVar("", "A", "1")).toBe("A='1'\n");
    expect(writeVar("B=2", "A", "1")).toBe("B=2\nA='1'\n");
  });

  it("replaces the line that set it in place, dropping duplicates", () => {
    expect(writeVar("A=0\nB=2\nA=3\n", "A", "1")).toBe("A='1'\nB=2\n");
  });

  it("refuses a value it could not write on one literal line", () => {
    expect(() => writeVar(file, "A", "it's")).toThrow(/cannot hold a quote or a line break/);
    expect(() => writeVar(file, "A", "a\nb")).toThrow(/cannot hold a quote or a line break/);
  });

  it("removes a variable's lines and nothing else", () => {
    expect(removeVar(file, "JWT_SECRET")).toBe('# local secrets\nexport OTHER=1\n\nLAST="x y"\n');
    expect(removeVar("JWT_SECRET=abc\n", "JWT_SECRET")).toBe("");
    expect(removeVar(file, "NOTHING")).toBe(file);
  });
});
