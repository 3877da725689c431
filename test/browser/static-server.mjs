// The SPA's own origin: a static file server, as any SPA host (a CDN, `vite preview`) would be. A
// request for x.js where only x.ts exists gets x.ts bundled for the browser by esbuild, as an SPA's
// build would do it. By hand: node test/browser/static-server.mjs [port] (default 5173).
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };

/** The file's contents; a missing .js is compiled from the .ts beside it. */
async function contents(file) {
  try {
    return await readFile(file);
  } catch (error) {
    if (error.code !== "ENOENT" || extname(file) !== ".js") throw error;
  }
  const result = await build({
    entryPoints: [file.replace(/\.js$/, ".ts")],
    bundle: true,
    format: "iife",
    target: "es2022",
    sourcemap: "inline",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].contents;
}

/** Serves `dir` on localhost, on `port` (default a free one); resolves to its `url` and a `stop` function. */
export function serveStatic(dir, port = 0) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(dir, path.endsWith("/") ? `${path}index.html` : path);
    let body;
    try {
      body = await contents(file);
    } catch (error) {
      if (error.code === "ENOENT") return res.writeHead(404).end();
      // A compile error is shown where the page's script would be, and makes the test fail loudly.
      console.error(error.message);
      return res.writeHead(500, { "Content-Type": "text/plain" }).end(error.message);
    }
    res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", (e) => reject(new Error(`cannot serve the SPA: ${e.message}`)));
    server.listen(port, "localhost", () =>
      resolve({
        url: `http://localhost:${server.address().port}`,
        stop: () => new Promise((done) => server.close(done)),
      }),
    );
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await serveStatic(fileURLToPath(new URL("spa/", import.meta.url)), Number(process.argv[2] ?? 5173));
  console.log(`SPA on ${url}/ (API: add ?api=http://localhost:8821 for another port than 8787)`);
}
