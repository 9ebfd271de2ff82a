// Client keys of HTTP requests: a hashed credential header, else the address; X-Forwarded-For only when trusted.
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { test } from "node:test";
import { addressOf, createClientKeyOf, hashCredential } from "./client-key.ts";

function req(headers: Record<string, string | string[]>, remoteAddress = "::ffff:10.0.0.9"): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

test("a credential header keys by its hash, never its value", () => {
  const keyOf = createClientKeyOf({ header: "authorization", trustProxyHops: 0 });
  const key = keyOf(req({ authorization: "Bearer secret-token-1" }));
  assert.equal(key, `h:${hashCredential("Bearer secret-token-1")}`);
  assert.ok(!key.includes("secret"));
  assert.notEqual(key, keyOf(req({ authorization: "Bearer secret-token-2" })));
  assert.equal(keyOf(req({})), "a:10.0.0.9", "without the header: the address (IPv4-mapped shown as IPv4)");
});

test("a custom header, or the address only", () => {
  const byHeader = createClientKeyOf({ header: "x-api-key", trustProxyHops: 0 });
  assert.equal(byHeader(req({ "x-api-key": "k1", authorization: "x" })), `h:${hashCredential("k1")}`);
  const byAddress = createClientKeyOf({ header: undefined, trustProxyHops: 0 });
  assert.equal(byAddress(req({ authorization: "Bearer t" }, "::1")), "a:::1");
});

test("X-Forwarded-For is ignored unless proxies are trusted, then read from the right", () => {
  const headers = { "x-forwarded-for": "6.6.6.6, 1.2.3.4, 10.0.0.2" };
  assert.equal(addressOf(req(headers), 0), "10.0.0.9");
  assert.equal(addressOf(req(headers), 1), "10.0.0.2");
  assert.equal(addressOf(req(headers), 2), "1.2.3.4");
  assert.equal(addressOf(req(headers), 5), "6.6.6.6", "a short header: its leftmost entry");
  assert.equal(addressOf(req({}), 1), "10.0.0.9", "no header: the connection's address");
  assert.equal(addressOf(req({ "x-forwarded-for": ["1.1.1.1", "2.2.2.2"] }), 1), "2.2.2.2");
});
