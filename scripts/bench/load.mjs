// One load scenario: autocannon against one URL for a fixed time, reduced to a table row.
import autocannon from "autocannon";

/**
 * `spec`: { path, method?, headers?, body?, requests?, connections, duration, amount? }. `requests` is
 * autocannon's list of request builders (setupRequest/onResponse) for scenarios whose requests differ;
 * `amount` stops a scenario whose requests spend something (a single-use code) before its supply runs out.
 * One connection means a latency row: timed here, since autocannon reports whole milliseconds.
 */
export async function runLoad(base, spec) {
  if (spec.connections === 1) return runSequential(base, spec);
  const result = await autocannon({
    url: base + spec.path,
    method: spec.method ?? "GET",
    headers: spec.headers,
    body: spec.body,
    requests: spec.requests,
    connections: spec.connections,
    duration: spec.duration,
    ...(spec.amount === undefined ? {} : { amount: spec.amount }),
    timeout: 20,
  });
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result["2xx"] + result.non2xx,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statuses,
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/**
 * One request after another. Request builders work as under autocannon: the builder's method and
 * headers, then its setupRequest; onResponse gets the status, body text and headers.
 */
async function runSequential(base, { path, method = "GET", headers, body, requests, duration, amount = Infinity }) {
  const builder = requests?.[0] ?? {};
  const times = [];
  const statuses = {};
  let errors = 0;
  const start = performance.now();
  while (performance.now() - start < duration * 1000 && times.length + errors < amount) {
    const defaults = {
      path,
      method: builder.method ?? method,
      headers: builder.headers ?? headers,
      body: builder.body ?? body,
    };
    const request = builder.setupRequest ? builder.setupRequest(defaults) : defaults;
    const sent = performance.now();
    try {
      const res = await fetch(base + request.path, request);
      const text = await res.text();
      times.push(performance.now() - sent);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      builder.onResponse?.(res.status, text, undefined, Object.fromEntries(res.headers));
    } catch {
      errors++;
    }
  }
  const sorted = times.sort((a, b) => a - b);
  const ok = Object.entries(statuses).reduce((n, [code, count]) => (code.startsWith("2") ? n + count : n), 0);
  return {
    rps: times.length / ((performance.now() - start) / 1000),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    requests: times.length,
    ok,
    non2xx: times.length - ok,
    errors,
    statuses,
  };
}

/** Round-robin over a list (tokens, users) across all connections. */
export function cycle(items) {
  let i = 0;
  return () => items[i++ % items.length];
}

/**
 * Single-use tokens chained per request: each response's new refresh token goes back into the pool
 * the next request takes from. autocannon calls onResponse before it builds the connection's next
 * request, so with at least as many tokens as connections the pool never runs dry; a token lost to
 * a failed request is simply gone (its request counts as an error).
 */
export function refreshChain(tokens) {
  const pool = [...tokens];
  return [
    {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      setupRequest(req) {
        return { ...req, body: JSON.stringify({ refresh: pool.shift() ?? "pool-empty" }) };
      },
      onResponse(status, body) {
        if (status === 200) pool.push(JSON.parse(body).refresh);
      },
    },
  ];
}
