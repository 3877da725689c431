// A Node module hook: src/ imports its siblings without an extension ("./passwords"), as the Workers
// bundler allows. Node needs the file name, so a relative import that is not found is retried as ".ts"
// (Node 22 strips the types itself).
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !/^\.\.?\//.test(specifier)) throw error;
    return nextResolve(`${specifier}.ts`, context);
  }
}
