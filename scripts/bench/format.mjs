// Markdown tables and the number formats of BENCHMARKS.md.

export const ms = (value) =>
  value === undefined || value === null ? "–" : value < 10 ? value.toFixed(2) : value.toFixed(1);
export const int = (value) => Math.round(value).toLocaleString("en-US");
export const ratio = (value) => value.toFixed(2);

export function table(header, rows) {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}
