// What the build puts into the script (test/browser/static-server.mjs gives it to esbuild's define),
// as Vite does with import.meta.env: the same for every page of the SPA, whichever link opened it.
interface ImportMeta {
  readonly env: {
    /** The API's origin, e.g. https://api.example.com. */
    readonly API_URL: string;
  };
}
