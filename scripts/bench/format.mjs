// Markdown tables and the number formats of BENCHMARKS.md.

export const ms = (value) =>
  value === undefined || value === null ? "–" : value < 10 ? value.toFixed(2) : value.toFixed(1);
export const int = (value) => Math.round(value).toLocaleString("en-US");
export const ratio = (value) => value.toFixed(2);

/** A Markdown table with its columns padded to one width, as the formatter (Biome) writes it. */
export function table(header, rows) {
  const cells = [header, ...rows].map((row) => row.map(String));
  const width = (text) => [...text].length;
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => width(row[i]))));
  const line = (row) => `| ${row.map((text, i) => text + " ".repeat(widths[i] - width(text))).join(" | ")} |`;
  return [line(cells[0]), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}
