import { expect, it } from "vitest";
import pkg from "../../package.json";
import lock from "../../package-lock.json";

// npm 11 asks for every dependency's install script to be approved or denied in package.json's
// allowScripts, and warns at each install about the others: the list must cover the lockfile's.

const NODE_MODULES = "node_modules/";

it("package.json approves or denies, by name, every locked package that has an install script", () => {
  const packages = lock.packages as Record<string, { hasInstallScript?: boolean }>;
  const withScripts = Object.entries(packages)
    .filter(([, entry]) => entry.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf(NODE_MODULES) + NODE_MODULES.length));
  expect(new Set(withScripts)).toEqual(new Set(Object.keys(pkg.allowScripts)));
  // Usage analytics (swagger-ui-dist's dependency): nothing the project needs runs at install.
  expect(pkg.allowScripts["@scarf/scarf"]).toBe(false);
});
