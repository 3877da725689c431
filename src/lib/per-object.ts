/**
 * `build(key)` computed once per key object and kept as long as the key lives. Bindings, the env
 * and the config are fixed for the life of an isolate, so what is derived from them (parsed vars,
 * a Drizzle instance, an imported key, a prepared statement) need not be rebuilt per request.
 * A build that throws is not kept: the next call tries again.
 */
export function perObject<K extends object, V>(build: (key: K) => V): (key: K) => V {
  const built = new WeakMap<K, V>();
  return (key) => {
    if (built.has(key)) return built.get(key) as V;
    const value = build(key);
    built.set(key, value);
    return value;
  };
}
