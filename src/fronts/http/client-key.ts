// Who an HTTP request comes from, for per-client rate limits: the authenticated principal when authentication is
// on, else a hash of a credential header when the request has one (never the value itself), else its address
// (taken from X-Forwarded-For only behind trusted proxies).
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { RateLimitSettings } from "../../core/gateway-config.ts";
import type { Principal } from "../../core/identity.ts";

export type ClientKeyOf = (req: IncomingMessage, principal?: Principal) => string;

export function createClientKeyOf(settings: RateLimitSettings["clientKey"]): ClientKeyOf {
  const { header, trustProxyHops } = settings;
  return (req, principal) => {
    // An authenticated caller is one client wherever it connects from (its keys and tokens share its limits).
    if (principal && principal.via !== "none") return `p:${hashCredential(`${principal.via}:${principal.name}`)}`;
    if (header !== undefined) {
      const value = req.headers[header];
      const credential = Array.isArray(value) ? value.join(",") : value;
      if (credential) return `h:${hashCredential(credential)}`;
    }
    return `a:${addressOf(req, trustProxyHops)}`;
  };
}

/** SHA-256 (base64url) under a fixed label: keys in Redis and logs never reveal the credential. */
export function hashCredential(value: string): string {
  return createHash("sha256").update("switchboard-rate-limit\u0000").update(value).digest("base64url");
}

/**
 * The connection's address, or with `hops` trusted proxies the hops-th X-Forwarded-For entry from the right
 * (each proxy appends the address it saw; entries left of that may be forged by the client). A header shorter
 * than that falls back to its leftmost entry. IPv4-mapped IPv6 addresses are shown as IPv4.
 */
export function addressOf(req: IncomingMessage, hops: number): string {
  if (hops > 0) {
    const forwarded = req.headers["x-forwarded-for"];
    const list = (Array.isArray(forwarded) ? forwarded.join(",") : (forwarded ?? ""))
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
    if (list.length > 0) return plainAddress(list[Math.max(0, list.length - hops)] as string);
  }
  return plainAddress(req.socket.remoteAddress ?? "unknown");
}

function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
