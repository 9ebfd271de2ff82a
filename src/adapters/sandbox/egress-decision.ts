// What the egress proxy decides about one destination, apart from any socket: the target a request names, the
// rule that lets it through, and whether the addresses it resolves to may be reached.
import { type AddressRange, addressRange, isIpLiteral, sameIp } from "../../core/ip-ranges.ts";
import { type EgressRule, egressAllowed } from "../../core/sandbox.ts";

/**
 * Why a destination was refused; short and stable, fit for a metric label:
 * `not_listed` (no rule matches the name and port), `unresolved` (the name has no address), `invalid_address`
 * (the resolver returned something that is not an address), or the denied range of a resolved address.
 */
export type EgressDenial = "not_listed" | "unresolved" | "invalid_address" | AddressRange;

export type EgressVerdict =
  | { allowed: true; address: string }
  | { allowed: false; reason: EgressDenial; address?: string };

const DENIAL_TEXT: Record<EgressDenial, string> = {
  not_listed: "not on the allow-list",
  unresolved: "the name does not resolve",
  invalid_address: "the name resolves to an invalid address",
  unspecified: "unspecified address",
  loopback: "loopback address",
  private: "private address",
  "link-local": "link-local address",
  cgnat: "carrier-grade NAT address",
  multicast: "multicast address",
  metadata: "cloud metadata address",
  reserved: "reserved address",
};

/**
 * The rule letting `host:port` through. An IP literal is matched only by a rule naming the same address (a
 * `.domain` rule is about names, and `.0.1` must not let `10.0.0.1` through).
 */
export function matchingRule(rules: readonly EgressRule[], host: string, port: number): EgressRule | undefined {
  if (!isIpLiteral(host)) return egressAllowed(rules, host, port);
  return rules.find(
    (rule) => !rule.domain && (rule.port === undefined || rule.port === port) && sameIp(rule.host, host),
  );
}

/**
 * Whether `host:port`, resolved to `addresses`, may be reached, and at which address. Every address must be
 * outside the denied ranges, unless the matching rule is that IP literal: a name that resolves to a public and
 * an internal address at once is how rebinding attacks look, so it is refused whole.
 */
export function decide(
  rules: readonly EgressRule[],
  host: string,
  port: number,
  addresses: readonly string[],
): EgressVerdict {
  const rule = matchingRule(rules, host, port);
  if (!rule) return { allowed: false, reason: "not_listed" };
  if (addresses.length === 0) return { allowed: false, reason: "unresolved" };
  for (const address of addresses) {
    const range = addressRange(address);
    if (range === "public") continue;
    if (range !== "invalid" && !rule.domain && sameIp(rule.host, address)) continue;
    return { allowed: false, reason: range === "invalid" ? "invalid_address" : range, address };
  }
  return { allowed: true, address: addresses[0] as string };
}

/** The text of a 403 for a denied destination. */
export function denialMessage(host: string, port: number, reason: EgressDenial): string {
  const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return `egress to ${target} denied: ${DENIAL_TEXT[reason]}\n`;
}

export interface Target {
  host: string;
  port: number;
}

/** `host:port` of a CONNECT (authority form), or undefined when malformed. */
export function parseAuthority(text: string): Target | undefined {
  const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9_.-]+)):(\d{1,5})$/i.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  const host = (match[1] ?? match[2] ?? "").toLowerCase().replace(/\.$/, "");
  if (port < 1 || port > 65_535 || host === "") return undefined;
  if (match[1] !== undefined && !isIpLiteral(host)) return undefined;
  return { host, port };
}

/** The destination of an absolute-form `http://` request, or undefined. */
export function parseAbsolute(text: string): (Target & { path: string; authority: string }) | undefined {
  if (!/^http:\/\//i.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "");
  const port = url.port === "" ? 80 : Number(url.port);
  if (host === "" || url.username !== "" || url.password !== "") return undefined;
  return { host, port, path: `${url.pathname}${url.search}`, authority: url.host };
}
