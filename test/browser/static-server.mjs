// The SPA's own origin: a static file server, as any SPA host (a CDN, `vite preview`) would be.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };

/** Serves `dir` on localhost, on a free port; resolves to its `url` and a `stop` function. */
export function serveStatic(dir) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(dir, path.endsWith("/") ? `${path}index.html` : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", (e) => reject(new Error(`cannot serve the SPA: ${e.message}`)));
    server.listen(0, "localhost", () =>
      resolve({
        url: `http://localhost:${server.address().port}`,
        stop: () => new Promise((done) => server.close(done)),
      }),
    );
  });
}
