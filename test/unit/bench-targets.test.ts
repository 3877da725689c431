import { describe, expect, it } from "vitest";
import { type BenchResults, judgeTargets, targetsSummary } from "../../scripts/bench/targets";

// `npm run bench`'s verdicts on a run's figures, and the line (and exit status) it ends with.

const figure = (n: number) => ({ median: n, min: n, max: n });
const modelled = (key: string, primary: number, p50 = 20) => ({
  key,
  title: key,
  io: { primary: figure(primary), rounds: figure(1) },
  modelled: { p50 },
  singleRegion: 160,
});

/** A run that meets every target: 9 of them (3 of throughput, 5 of the edge data path, the quota). */
function goodRun(): BenchResults {
  return {
    load: [
      { key: "ceiling-start", title: "Ceiling (start)", rps: 1000, cpu: 0.3 },
      { key: "books-anon", title: "GET /api/books/", rps: 600, cpu: 0.9 },
      { key: "tasks-many", title: "GET /api/tasks/, many users", rps: 400, cpu: 1.5 },
      { key: "tasks-one", title: "GET /api/tasks/, one user", rps: 400, cpu: 1.5 },
      { key: "ceiling-end", title: "Ceiling (end)", rps: 1000, cpu: 0.3 },
    ],
    latencyModel: {
      rows: [
        modelled("books-anon", 0),
        modelled("tasks-many", 0, 30),
        modelled("books-create", 1),
        modelled("token-refresh", 1),
        modelled("token-obtain", 1),
        modelled("mfa-verify", 1),
      ],
    },
    throttling: [
      { key: "throttle-refused", title: "refused", rps: 900, cpu: 0.33 },
      { key: "app-floor", title: "the app's 404", rps: 950, cpu: 0.31 },
    ],
    exactness: [1, 2, 3].map(() => ({ admitted: 5, refused: 45, other: [], stored: 5 })),
  };
}

describe("the bench's targets", () => {
  it("all met: every verdict says so, and the summary line says how many", () => {
    const verdicts = judgeTargets(goodRun());
    expect(verdicts).toHaveLength(9);
    expect(verdicts.filter((v) => !v.met)).toEqual([]);
    expect(targetsSummary(verdicts)).toBe("Targets: all 9 met.");
  });

  it("names each target not met with this run's figure", () => {
    const run = goodRun();
    run.load[1]!.rps = 450; // books-anon: 0.45 × the ceiling, 0.5 wanted
    run.throttling![0]!.cpu = 0.45; // a refusal at 1.5 × the ceiling's CPU, 1.2 allowed
    run.exactness![2] = { admitted: 6, refused: 44, other: [], stored: 6 };
    const verdicts = judgeTargets(run);
    expect(verdicts.filter((v) => !v.met).map((v) => v.target)).toEqual([
      "GET /api/books/: ≥ 0.5 × the ceiling's req/s",
      "A refused request's workerd CPU ≤ 1.2 × the ceiling's",
      "The 5/day quota admits exactly 5 of 50 concurrent creates, every round",
    ]);
    expect(targetsSummary(verdicts)).toBe(
      [
        "Targets: 6 of 9 met; not met:",
        "  - GET /api/books/: ≥ 0.5 × the ceiling's req/s (× 0.45)",
        "  - A refused request's workerd CPU ≤ 1.2 × the ceiling's (× 1.50 (0.45 ms); the app's own 404, with no token and no I/O: × 1.03)",
        "  - The 5/day quota admits exactly 5 of 50 concurrent creates, every round (5 admitted, 5 listed; 5 admitted, 5 listed; 6 admitted, 6 listed)",
      ].join("\n"),
    );
  });

  it("judges the round trips under the latency model: a GET that reaches the primary is not met", () => {
    const run = goodRun();
    run.latencyModel!.rows[1] = modelled("tasks-many", 1, 30);
    const missed = judgeTargets(run).filter((v) => !v.met);
    expect(missed.map((v) => v.target)).toEqual(["GETs: 0 round trips to the primary, one round of I/O"]);
    expect(missed[0]!.figure).toBe("books-anon: 0 primary, 1 round; tasks-many: 1 primary, 1 round");
  });

  it("holds a login and a second factor's login to one primary round trip, as any write", () => {
    const run = goodRun();
    run.latencyModel!.rows[4] = modelled("token-obtain", 2);
    const missed = judgeTargets(run).filter((v) => !v.met);
    expect(missed.map((v) => v.target)).toEqual([
      "A write, a login and a second factor's login: one primary round trip each",
    ]);
    expect(missed[0]!.figure).toBe(
      "books-create: 1 primary; token-refresh: 1 primary; token-obtain: 2 primary; mfa-verify: 1 primary",
    );
  });

  it("judges only what a run against a deployed Worker measures: throughput and the quota", () => {
    const { load, exactness } = goodRun();
    const verdicts = judgeTargets({ load: load.map((row) => ({ ...row, cpu: null })), exactness });
    expect(verdicts).toHaveLength(4);
    expect(targetsSummary(verdicts)).toBe("Targets: all 4 met.");
  });
});
