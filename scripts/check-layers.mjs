// `npm run lint` runs this: imports in src/ run downward only, and nothing imports itself back.
//   app (index, app, scheduled) → routes → middleware / schemas / openapi / durable-objects / env → services → db → lib
// A module may import its own layer or any layer below; lib imports nothing of the app. Type-only
// imports count: a cycle of types is still two files that each need the other. Exit 1 on a violation.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../src", import.meta.url));
const LAYERS = [
  ["index.ts", "app.ts", "scheduled.ts"],
  ["routes"],
  ["middleware", "schemas", "openapi", "durable-objects", "env.ts"],
  ["services"],
  ["db"],
  ["lib"],
];
const GENERATED = new Set(["worker-configuration.d.ts"]);

const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith(".ts") && !GENERATED.has(name) ? [path] : [];
  });

const layerOf = (file) => {
  const top = relative(SRC, file).split("/")[0];
  const layer = LAYERS.findIndex((names) => names.includes(top));
  if (layer === -1) throw new Error(`${relative(SRC, file)}: in no layer of scripts/check-layers.mjs`);
  return layer;
};

/** The src/ files a module imports (relative specifiers; packages are not layers). */
function importsOf(file) {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+["'](\.[^"']+)["']/gms)].map((m) => m[1]);
  return specifiers
    .map((spec) => {
      const base = resolve(dirname(file), spec);
      const candidates = [base, `${base}.ts`, join(base, "index.ts")];
      return (
        candidates.find((c) => GENERATED.has(c) || (statSync(c, { throwIfNoEntry: false })?.isFile() ?? false)) ??
        `${base}.ts`
      );
    })
    .filter((target) => target.startsWith(SRC) && !target.endsWith(".json"));
}

const graph = new Map(files(SRC).map((file) => [file, importsOf(file)]));
const problems = [];
for (const [file, targets] of graph) {
  for (const target of targets) {
    if (layerOf(target) < layerOf(file)) {
      problems.push(`upward import: ${relative(SRC, file)} → ${relative(SRC, target)}`);
    }
  }
}

// Cycles: depth-first search, reporting each cycle once by its path.
const state = new Map();
function visit(file, path) {
  if (state.get(file) === "done") return;
  if (state.get(file) === "active") {
    const cycle = path
      .slice(path.indexOf(file))
      .concat(file)
      .map((f) => relative(SRC, f));
    problems.push(`import cycle: ${cycle.join(" → ")}`);
    return;
  }
  state.set(file, "active");
  for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
  state.set(file, "done");
}
for (const file of graph.keys()) visit(file, []);

if (problems.length > 0) {
  console.error(`src/ imports (${problems.length} problems):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`src/ imports run downward, no cycles (${graph.size} files).`);
