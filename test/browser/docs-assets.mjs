// Swagger UI's page loads its script and styles from jsDelivr, as users' browsers do. CI has no route
// to the CDN, so the test answers those requests with the same files from the swagger-ui-dist package
// (a devDependency) — only at the version the page asks for — and refuses anything else off localhost.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DIST = fileURLToPath(new URL("../../node_modules/swagger-ui-dist/", import.meta.url));
const VERSION = JSON.parse(readFileSync(`${DIST}package.json`, "utf8")).version;
const CDN_FILE = /^https:\/\/cdn\.jsdelivr\.net\/npm\/swagger-ui-dist@([^/]+)\/([\w.-]+)$/;

/** Routes the page's CDN requests to node_modules; returns what it refused. */
export async function serveDocsAssets(page) {
  const refused = [];
  await page.route(
    (url) => url.hostname !== "localhost",
    (route) => {
      const url = route.request().url();
      const [, version, file] = CDN_FILE.exec(url) ?? [];
      if (version !== VERSION) {
        refused.push(url);
        return route.abort();
      }
      return route.fulfill({ path: `${DIST}${file}` });
    },
  );
  return { version: VERSION, refused };
}
