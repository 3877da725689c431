// A V8 CPU profile of the app's isolate under load, through workerd's inspector, summed per source
// module of the bundle: which code the CPU goes to (drizzle-orm, hono, src/routes/books.ts, …).
import { readFileSync } from "node:fs";

const SAMPLING_INTERVAL_US = 200;

/** esbuild marks where each input file starts in the bundle with a `// path` comment line. */
function moduleIndex(bundlePath) {
  const starts = [];
  readFileSync(bundlePath, "utf8")
    .split("\n")
    .forEach((line, i) => {
      // node_modules may sit behind a symlink, which esbuild resolves: "// ../../elsewhere/node_modules/hono/…".
      const match = /^\/\/ ((?:\S*?node_modules\/((?:@[^/]+\/)?[^/]+))|(?:src|scripts)\/\S+)/.exec(line);
      if (match) starts.push([i, match[2] ?? match[1]]);
    });
  return (line) => {
    let found = "(bundle prelude)";
    for (const [start, name] of starts) {
      if (start > line) break;
      found = name;
    }
    return found;
  };
}

function moduleOf(callFrame, inBundle) {
  const { url, functionName, lineNumber } = callFrame;
  if (url.endsWith(".js") && !url.startsWith("cloudflare-internal")) return inBundle(lineNumber);
  if (url.startsWith("cloudflare-internal:")) return `workerd's ${url.slice("cloudflare-internal:".length)} client`;
  if (["(idle)", "(program)", "(garbage collector)"].includes(functionName)) return functionName;
  return "runtime built-ins (fetch, Response, Headers, SQL exec, …)";
}

async function inspector(port, workerName) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl.endsWith(`:user:${workerName}`));
  if (!target) throw new Error(`no inspector target for ${workerName}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", reject);
  });
  let nextId = 0;
  const pending = new Map();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      pending.set(++nextId, resolve);
      ws.send(JSON.stringify({ id: nextId, method, params }));
    });
  return { send, close: () => ws.close() };
}

/**
 * Profiles the app's isolate while `work()` runs. Returns each module's share of the samples in
 * which the isolate was not idle (percent), largest first. The D1, KV and R2 simulators run in
 * isolates of their own and are not in it.
 */
export async function profileByModule({ port, workerName, bundlePath }, work) {
  const { send, close } = await inspector(port, workerName);
  try {
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
    await send("Profiler.start");
    await work();
    const { profile } = await send("Profiler.stop");
    const inBundle = moduleIndex(bundlePath);
    const nodeModule = new Map(profile.nodes.map((node) => [node.id, moduleOf(node.callFrame, inBundle)]));
    const counts = new Map();
    for (const id of profile.samples) {
      const name = nodeModule.get(id);
      if (name !== "(idle)") counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const busy = [...counts.values()].reduce((sum, n) => sum + n, 0);
    return [...counts].map(([name, n]) => ({ name, percent: (100 * n) / busy })).sort((a, b) => b.percent - a.percent);
  } finally {
    close();
  }
}
