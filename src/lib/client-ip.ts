/** What anonymous throttles key on when a request carries no address at all (DRF's "None"). */
const UNKNOWN = "unknown";

/**
 * DRF's get_ident, with Cloudflare's CF-Connecting-IP in the role of REMOTE_ADDR.
 *
 * `numProxies` null (the default) ignores X-Forwarded-For entirely. DRF's default instead keys on
 * the whole, client-written X-Forwarded-For, which lets anyone reset their quota with a new header;
 * Cloudflare sets CF-Connecting-IP itself, so it is the trustworthy default here.
 * With NUM_PROXIES = N > 0 (a deployment behind N proxies that append to X-Forwarded-For), the
 * address is the Nth entry from the right, exactly as DRF reads it.
 */
export function clientIp(headers: Headers, numProxies: number | null): string {
  const remote = headers.get("CF-Connecting-IP") ?? UNKNOWN;
  const xff = headers.get("X-Forwarded-For");
  if (xff === null || numProxies === null || numProxies === 0) return remote;
  const addresses = xff.split(",");
  return addresses[addresses.length - Math.min(numProxies, addresses.length)]!.trim();
}
