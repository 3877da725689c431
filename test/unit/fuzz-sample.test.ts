import { describe, expect, it } from "vitest";
import { sample, seededRandom } from "../e2e/fuzz-sample";

// 3 groups of 25, 14 and 1 items, as a route × method × identity has bodies, headers or nothing to vary.
const items = [
  ...Array.from({ length: 25 }, (_, i) => ({ group: "POST /api/books/ 0", i })),
  ...Array.from({ length: 14 }, (_, i) => ({ group: "GET /api/books/ 1", i })),
  { group: "HEAD /api/books/ 2", i: 0 },
];
const groupOf = (item: { group: string }) => item.group;

describe("the fuzz's sample", () => {
  it("is the same for the same seed, so a failing run can be replayed, and differs for another", () => {
    expect(sample(items, groupOf, 0.2, 42)).toEqual(sample(items, groupOf, 0.2, 42));
    expect(sample(items, groupOf, 0.2, 42)).not.toEqual(sample(items, groupOf, 0.2, 43));
    expect(Array.from({ length: 3 }, seededRandom(7))).toEqual(Array.from({ length: 3 }, seededRandom(7)));
  });

  it("keeps the share of every group, and at least one of each, in the order they came", () => {
    const kept = sample(items, groupOf, 0.2, 42);
    const count = (group: string) => kept.filter((item) => item.group === group).length;
    expect([count("POST /api/books/ 0"), count("GET /api/books/ 1"), count("HEAD /api/books/ 2")]).toEqual([5, 3, 1]);
    expect(kept).toEqual(items.filter((item) => kept.includes(item)));
    expect(new Set(kept).size).toBe(kept.length);
  });

  it("draws evenly: over many seeds, every item of a group is picked about as often", () => {
    const picks = new Map<number, number>();
    for (let seed = 0; seed < 2000; seed++) {
      for (const item of sample(items, groupOf, 0.2, seed)) {
        if (item.group === "POST /api/books/ 0") picks.set(item.i, (picks.get(item.i) ?? 0) + 1);
      }
    }
    // 2,000 draws of 5 of 25: 400 picks each on average.
    for (let i = 0; i < 25; i++) expect(picks.get(i)).toBeGreaterThan(300);
    for (let i = 0; i < 25; i++) expect(picks.get(i)).toBeLessThan(500);
  });
});
