// .dev.vars as wrangler reads it (dotenv: NAME=value lines, # comments), only as far as `npm run dev`
// and `npm run keys` need it: read one variable, set or remove one, every other line left as it was.
// Pure text in, text out, and free of imports: Node loads it as it is, the tests (in workerd) run it.

const lineOf = (name: string) => new RegExp(`^\\s*(?:export\\s+)?${name}\\s*=`);

/** The value of `name`, without the quotes around it; undefined when no line sets it. */
export function readVar(text: string, name: string): string | undefined {
  // dotenv lets a later line win.
  const line = text
    .split(/\r?\n/)
    .filter((l) => lineOf(name).test(l))
    .at(-1);
  if (line === undefined) return undefined;
  const value = line.slice(line.indexOf("=") + 1).trim();
  const quote = value[0];
  if ((quote === "'" || quote === '"') && value.length >= 2 && value.endsWith(quote)) return value.slice(1, -1);
  return value;
}

/**
 * `text` with `name` set to `value`, in single quotes: dotenv takes those literally (no escapes, and
 * a # inside is no comment). The first line that set it is replaced, any others dropped.
 */
export function writeVar(text: string, name: string, value: string): string {
  if (/['\r\n]/.test(value)) throw new Error(`${name}: a .dev.vars value cannot hold a quote or a line break`);
  const line = `${name}='${value}'`;
  const lines = text === "" ? [] : text.replace(/\r?\n$/, "").split(/\r?\n/);
  let set = false;
  const updated = lines.flatMap((l) => {
    if (!lineOf(name).test(l)) return [l];
    if (set) return [];
    set = true;
    return [line];
  });
  return [...updated, ...(set ? [] : [line]), ""].join("\n");
}

/** `text` without the lines that set `name`. */
export function removeVar(text: string, name: string): string {
  const lines = text
    .replace(/\r?\n$/, "")
    .split(/\r?\n/)
    .filter((l) => !lineOf(name).test(l));
  return lines.length === 0 || (lines.length === 1 && lines[0] === "") ? "" : [...lines, ""].join("\n");
}
