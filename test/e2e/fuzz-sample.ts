// `npm run fuzz` sends a sample of its requests unless told --all: every route × method × identity
// still, with a share of the malformed bodies and headers of each, drawn from a seed that is printed
// so that a failing run can be replayed exactly.

/** A seeded generator of numbers in [0, 1) (mulberry32): the same seed, the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `share` of each group's items (at least one), picked by `seed`, in the order they came. Groups are
 * what must never go untried (a route × method × identity); their items, what may be sampled.
 */
export function sample<T>(items: readonly T[], groupOf: (item: T) => string, share: number, seed: number): T[] {
  const random = seededRandom(seed);
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const key = groupOf(item);
    const group = groups.get(key);
    if (group) group.push(index);
    else groups.set(key, [index]);
  });
  const kept = new Set<number>();
  for (const indexes of groups.values()) {
    const count = Math.max(1, Math.round(share * indexes.length));
    // Fisher–Yates, stopped after `count` draws.
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(random() * (indexes.length - i));
      [indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!];
      kept.add(indexes[i]!);
    }
  }
  return items.filter((_, index) => kept.has(index));
}
