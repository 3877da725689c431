import { describe, expect, it } from "vitest";
import { brokenLinks, headingAnchors, links, readingOrder, resolvePath, slugify } from "../e2e/doc-links";

// What `npm run test:readme` checks between README.md and docs/ before it runs a walkthrough.
describe("links between the documentation pages", () => {
  it("makes GitHub's anchors of headings", () => {
    expect(slugify("Signing keys")).toBe("signing-keys");
    expect(slugify("Moving to another algorithm (e.g. HS256 → ES256) without logging anyone out")).toBe(
      "moving-to-another-algorithm-eg-hs256--es256-without-logging-anyone-out",
    );
    expect(slugify("Workers plan: Paid is required")).toBe("workers-plan-paid-is-required");
    expect(slugify("The `__Host-refresh` cookie")).toBe("the-__host-refresh-cookie");
    expect(slugify("_Emphasis_ and **bold** and snake_case")).toBe("emphasis-and-bold-and-snake_case");
    expect(slugify("[Linked](other.md) heading")).toBe("linked-heading");
    expect(slugify("createsuperuser")).toBe("createsuperuser");
    expect(slugify("Réglages à l’écran")).toBe("réglages-à-lécran");
  });

  it("numbers a repeated heading as GitHub does and ignores # lines in code blocks", () => {
    const page = "# Page\n## Setup\n\n```sh\n# not a heading\n```\n## Setup\n## Setup ##\n";
    expect([...headingAnchors(page)]).toEqual(["page", "setup", "setup-1", "setup-2"]);
  });

  it("finds the links of prose, not of code blocks or code spans", () => {
    const page = 'See [a](a.md) and `[b](b.md)`.\n\n   ```ts\n[c](c.md)\n   ```\n![img](x.png "title") [d](<d.md#x>)\n';
    expect(links(page)).toEqual([
      { target: "a.md", line: 1 },
      { target: "x.png", line: 6 },
      { target: "d.md#x", line: 6 },
    ]);
  });

  it("resolves relative paths from the linking page, and refuses to leave the repository", () => {
    expect(resolvePath("docs/a.md", "b.md")).toBe("docs/b.md");
    expect(resolvePath("docs/a.md", "../README.md")).toBe("README.md");
    expect(resolvePath("README.md", "./docs/a.md")).toBe("docs/a.md");
    expect(resolvePath("docs/a.md", "/BENCHMARKS.md")).toBe("BENCHMARKS.md");
    expect(resolvePath("README.md", "../outside.md")).toBeNull();
  });

  it("reports a missing file, a missing anchor and a path out of the repository, with file and line", () => {
    const pages = new Map([
      ["README.md", "# Readme\n[ok](docs/a.md#usage) [ext](https://example.com/#nope) [self](#readme)\n"],
      [
        "docs/a.md",
        "# A\n## Usage\n[gone](b.md)\n[anchor](../README.md#nope)\n[up](../../x.md)\n[file](../BENCHMARKS.md)\n",
      ],
    ]);
    expect(brokenLinks(pages, (path) => path === "BENCHMARKS.md")).toEqual([
      "docs/a.md:3: (b.md) links to docs/b.md, which does not exist",
      "docs/a.md:4: (../README.md#nope) links to #nope, which is not a heading of README.md",
      "docs/a.md:5: (../../x.md) leaves the repository",
    ]);
  });

  it("orders the pages as a reader meets them from the README, leaving out the unreachable", () => {
    const pages = new Map([
      ["README.md", "[b](docs/b.md) [a](docs/a.md#x) [b again](docs/b.md)"],
      ["docs/a.md", "[c](c.md) [readme](../README.md)"],
      ["docs/b.md", "[a](a.md)"],
      ["docs/c.md", ""],
      ["docs/orphan.md", "[a](a.md)"],
    ]);
    expect(readingOrder(pages, "README.md")).toEqual(["README.md", "docs/b.md", "docs/a.md", "docs/c.md"]);
  });
});
