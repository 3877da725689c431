import { describe, expect, it } from "vitest";
import { escapeHtml, html } from "../../src/lib/html";
import { prefersHtml } from "../../src/lib/negotiation";

describe("prefersHtml: the browsable API or JSON, by Accept", () => {
  const cases: [string | undefined, boolean][] = [
    // Browsers navigating
    ["text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", true],
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true],
    ["TEXT/HTML", true],
    ["text/*", true],
    ["text/html;q=0.9, application/json;q=0.5", true],
    // JSON clients, tools, and ties: JSON, DRF's first renderer
    [undefined, false],
    ["", false],
    ["*/*", false],
    ["application/json", false],
    ["application/json, text/html", false],
    ["text/html, */*", false],
    ["text/html;q=0.5, */*", false],
    ["text/html;q=0", false],
    ["image/png", false],
    // Malformed ranges count as unsent
    ["text/html;q=2", false],
    ["text/html;q=abc, application/json", false],
    ["html", false],
    ["*/html", false],
  ];
  for (const [accept, html] of cases) {
    it(`${JSON.stringify(accept)} → ${html ? "HTML" : "JSON"}`, () => expect(prefersHtml(accept)).toBe(html));
  }
});

describe("html``", () => {
  it("escapes every interpolated value, in text and in attributes", () => {
    const title = `<script>alert("1")</script> & 'x'`;
    expect(html`<a title="${title}">${title}</a>`.markup).toBe(
      `<a title="&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt; &amp; &#39;x&#39;">&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt; &amp; &#39;x&#39;</a>`,
    );
  });

  it("inserts its own results as they are, joins lists, and drops null, undefined and false", () => {
    const items = ["<a>", html`<b>${"<c>"}</b>`, null, undefined, false, 0];
    expect(html`<p>${items}</p>`.markup).toBe("<p>&lt;a&gt;<b>&lt;c&gt;</b>0</p>");
    expect(escapeHtml("plain")).toBe("plain");
  });
});
