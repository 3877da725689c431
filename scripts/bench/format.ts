// Markdown tables and the number formats of BENCHMARKS.md.

export const ms = (value: number | null | undefined) =>
  value === undefined || value === null ? "–" : value < 10 ? value.toFixed(2) : value.toFixed(1);
export const int = (value: number) => Math.round(value).toLocaleString("en-US");
export const ratio = (value: number) => value.toFixed(2);

/** A Markdown table with its columns padded to one width, as the formatter (Biome) writes it. */
export function table(header: readonly string[], rows: readonly (readonly unknown[])[]) {
  const cells = [header, ...rows].map((row) => row.map(String));
  const width = (text: string) => [...text].length;
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => width(row[i]!))));
  const line = (row: string[]) =>
    `| ${row.map((text, i) => text + " ".repeat(widths[i]! - width(text))).join(" | ")} |`;
  return [line(cells[0]!), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}
