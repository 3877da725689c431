import { describe, expect, it } from "vitest";
import { clientIp } from "../../src/lib/client-ip";

const headers = (xff?: string, cf = "203.0.113.7") => {
  const h = new Headers({ "CF-Connecting-IP": cf });
  if (xff !== undefined) h.set("X-Forwarded-For", xff);
  return h;
};

describe("clientIp (DRF's get_ident with CF-Connecting-IP as REMOTE_ADDR)", () => {
  it("ignores X-Forwarded-For unless NUM_PROXIES is set (unlike DRF's spoofable default)", () => {
    expect(clientIp(headers("1.1.1.1, 2.2.2.2"), null)).toBe("203.0.113.7");
    expect(clientIp(headers("1.1.1.1, 2.2.2.2"), 0)).toBe("203.0.113.7");
  });

  it("takes the NUM_PROXIES-th address from the right, as DRF does", () => {
    expect(clientIp(headers("1.1.1.1, 2.2.2.2, 3.3.3.3"), 1)).toBe("3.3.3.3");
    expect(clientIp(headers("1.1.1.1, 2.2.2.2, 3.3.3.3"), 2)).toBe("2.2.2.2");
    expect(clientIp(headers("1.1.1.1,2.2.2.2"), 5)).toBe("1.1.1.1");
  });

  it("falls back to CF-Connecting-IP when there is no X-Forwarded-For", () => {
    expect(clientIp(headers(), 1)).toBe("203.0.113.7");
  });

  it("puts requests that carry no address under one shared key", () => {
    expect(clientIp(new Headers(), null)).toBe("unknown");
  });
});
