// The SPA's own origin: a static file server, as any SPA host (a CDN, `vite preview`) would be. A
// request for x.js where only x.ts exists gets x.ts bundled for the browser by esbuild, as an SPA's
// build would do it, with the API's URL built in (import.meta.env.API_URL, as Vite's env variables).
// A path with no file extension gets index.html (the history-API fallback of SPA hosts), so the
// page that a mailed link opens, /password-reset?uid=…, is the SPA's.
// By hand: node test/browser/static-server.mjs [port] [api] (default 5173 and http://localhost:8787).
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };

/** The file's contents; a missing .js is compiled from the .ts beside it, for the API at `api`. */
async function contents(file, api) {
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
    define: { "import.meta.env.API_URL": JSON.stringify(api) },
  });
  return result.outputFiles[0].contents;
}

/**
 * Serves `dir` on localhost, on `port` (default a free one), its script built to call the API at
 * `api`; resolves to its `url` and a `stop` function.
 */
export function serveStatic(dir, { port = 0, api = "http://localhost:8787" } = {}) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    // Every route of the SPA (/, /verify-email, /password-reset) is index.html; the script finds its page.
    const file = join(dir, extname(path) === "" ? "index.html" : path);
    let body;
    try {
      body = await contents(file, api);
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
  const [port = "5173", api = "http://localhost:8787"] = process.argv.slice(2);
  const { url } = await serveStatic(fileURLToPath(new URL("spa/", import.meta.url)), { port: Number(port), api });
  console.log(`SPA on ${url}/, calling the API on ${api}`);
}
