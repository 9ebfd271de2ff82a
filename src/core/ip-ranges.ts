// Which IP addresses a sandboxed server may never reach through the egress proxy unless a rule names the address
// itself: the gateway's own machine, the local network and the cloud metadata service. Parsing is done here by
// hand (core does no I/O, so no node:net), strictly: anything that is not a plain dotted quad or a valid IPv6
// text is not an address.

/** Address ranges denied by default. Each member is also the reason reported for a denial. */
export type AddressRange =
  /** 0.0.0.0/8, `::`: "this host", which reaches the local machine on most systems. */
  | "unspecified"
  /** 127.0.0.0/8, `::1`. */
  | "loopback"
  /**
   * 10/8, 172.16/12, 192.168/16, fc00::/7 (unique local), fec0::/10 (old site-local), and 64:ff9b:1::/48: the
   * local-use NAT64 prefix (RFC 8215) is translated by the local network's own translator, and where the IPv4
   * address sits in it depends on the prefix length that network chose (RFC 6052), so it cannot be read back.
   */
  | "private"
  /** 169.254.0.0/16 (but the metadata address), fe80::/10. */
  | "link-local"
  /** 100.64.0.0/10, carrier-grade NAT: often the provider's internal network. */
  | "cgnat"
  /** 224.0.0.0/4, ff00::/8. */
  | "multicast"
  /** 169.254.169.254: the cloud instance metadata service (credentials). */
  | "metadata"
  /**
   * Never a destination on the Internet: 240.0.0.0/4, the broadcast address, 192.0.0.0/24 (protocol
   * assignments), 198.18.0.0/15 and 2001:2::/48 (benchmarking), 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
   * 2001:db8::/32 and 3fff::/20 (documentation), 100::/64 (discard), 2001::/32 (Teredo: it tunnels to whatever
   * IPv4 address the relay is told, so the destination cannot be judged) and any IPv6 address outside 2000::/3
   * that no other range covers (unassigned, not routed).
   */
  | "reserved";

export interface IpAddress {
  version: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: readonly number[];
}

interface Block {
  prefix: readonly number[];
  bits: number;
  range: AddressRange;
}

// Most specific first: the metadata address sits inside link-local.
const IPV4_BLOCKS: readonly Block[] = [
  { prefix: [169, 254, 169, 254], bits: 32, range: "metadata" },
  { prefix: [0], bits: 8, range: "unspecified" },
  { prefix: [127], bits: 8, range: "loopback" },
  { prefix: [10], bits: 8, range: "private" },
  { prefix: [172, 16], bits: 12, range: "private" },
  { prefix: [192, 168], bits: 16, range: "private" },
  { prefix: [169, 254], bits: 16, range: "link-local" },
  { prefix: [100, 64], bits: 10, range: "cgnat" },
  { prefix: [224], bits: 4, range: "multicast" },
  { prefix: [240], bits: 4, range: "reserved" },
  { prefix: [192, 0, 0], bits: 24, range: "reserved" },
  { prefix: [192, 0, 2], bits: 24, range: "reserved" },
  { prefix: [198, 18], bits: 15, range: "reserved" },
  { prefix: [198, 51, 100], bits: 24, range: "reserved" },
  { prefix: [203, 0, 113], bits: 24, range: "reserved" },
];

const IPV6_BLOCKS: readonly Block[] = [
  { prefix: [0xfc], bits: 7, range: "private" },
  { prefix: [0xfe, 0xc0], bits: 10, range: "private" },
  { prefix: [0xfe, 0x80], bits: 10, range: "link-local" },
  { prefix: [0xff], bits: 8, range: "multicast" },
  { prefix: [0, 0x64, 0xff, 0x9b, 0, 1], bits: 48, range: "private" },
  { prefix: [0x01], bits: 64, range: "reserved" },
  { prefix: [0x20, 0x01, 0, 0], bits: 32, range: "reserved" },
  { prefix: [0x20, 0x01, 0, 0x02, 0, 0], bits: 48, range: "reserved" },
  { prefix: [0x20, 0x01, 0x0d, 0xb8], bits: 32, range: "reserved" },
  { prefix: [0x3f, 0xff], bits: 20, range: "reserved" },
];

/** Global unicast, 2000::/3: the only IPv6 unicast space routed on the Internet. */
const IPV6_GLOBAL: Block = { prefix: [0x20], bits: 3, range: "reserved" };

/** 6to4 (RFC 3056): `2002:AABB:CCDD::/48` is reached through IPv4 address AA.BB.CC.DD (bytes 2 to 5). */
const SIX_TO_FOUR = { prefix: [0x20, 0x02], bits: 16 };

/**
 * IPv6 prefixes whose last 32 bits are an IPv4 address that the packet ends up at (or that the host treats as
 * one): IPv4-mapped `::ffff:0:0/96`, IPv4-translated `::ffff:0:0:0/96` (RFC 2765), NAT64 `64:ff9b::/96`, and the
 * deprecated IPv4-compatible `::/96`.
 */
const IPV4_EMBEDDING: readonly { prefix: readonly number[]; bits: number }[] = [
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], bits: 96 },
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0], bits: 96 },
  { prefix: [0, 0x64, 0xff, 0x9b], bits: 96 },
  { prefix: [], bits: 96 },
];

function inBlock(bytes: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const index = bit / 8;
    const mask = bits - bit >= 8 ? 0xff : (0xff << (8 - (bits - bit))) & 0xff;
    if (((bytes[index] ?? 0) & mask) !== ((prefix[index] ?? 0) & mask)) return false;
  }
  return true;
}

function parseIpv4(text: string): number[] | undefined {
  // Only the dotted quad in decimal: `127.1`, `0x7f.0.0.1` and `2130706433` are names here, never addresses.
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return undefined;
  const bytes = text.split(".").map(Number);
  if (bytes.some((byte) => byte > 255)) return undefined;
  if (text.split(".").some((part) => part.length > 1 && part.startsWith("0"))) return undefined;
  return bytes;
}

function parseGroups(text: string): string[] | undefined {
  if (text === "") return [];
  const groups = text.split(":");
  return groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group)) ? groups : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  // A zone (`fe80::1%eth0`, as resolvers return link-local addresses) does not change the range.
  let body = text.split("%")[0] as string;
  if (!/^[0-9a-f:.]+$/i.test(body) || !body.includes(":")) return undefined;
  if (body.includes(".")) {
    const colon = body.lastIndexOf(":");
    const v4 = parseIpv4(body.slice(colon + 1));
    if (!v4) return undefined;
    body = `${body.slice(0, colon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] as string);
  const tail = halves.length === 2 ? parseGroups(halves[1] as string) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(missing).fill("0"), ...tail].map((group) => Number.parseInt(group, 16));
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

/** The address written in `text` (dotted-quad IPv4, or IPv6 without brackets), else undefined. */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4) return { version: 4, bytes: v4 };
  const v6 = parseIpv6(text);
  return v6 ? { version: 6, bytes: v6 } : undefined;
}

export function isIpLiteral(text: string): boolean {
  return parseIp(text) !== undefined;
}

/** Whether two texts write the same address (`::1` and `0:0::1` do; `127.0.0.1` and `::ffff:127.0.0.1` do not). */
export function sameIp(a: string, b: string): boolean {
  const left = parseIp(a);
  const right = parseIp(b);
  return !!left && !!right && left.version === right.version && left.bytes.every((byte, i) => byte === right.bytes[i]);
}

function rangeOfIpv4(bytes: readonly number[]): AddressRange | undefined {
  if (bytes.every((byte) => byte === 255)) return "reserved";
  return IPV4_BLOCKS.find((block) => inBlock(bytes, block.prefix, block.bits))?.range;
}

/** The denied range of the prefix: 6to4 by the IPv4 address it tunnels to, else the blocks, else not global. */
function rangeOfPrefix(bytes: readonly number[]): AddressRange | undefined {
  if (inBlock(bytes, SIX_TO_FOUR.prefix, SIX_TO_FOUR.bits)) return rangeOfIpv4(bytes.slice(2, 6));
  const block = IPV6_BLOCKS.find((candidate) => inBlock(bytes, candidate.prefix, candidate.bits));
  if (block) return block.range;
  return inBlock(bytes, IPV6_GLOBAL.prefix, IPV6_GLOBAL.bits) ? undefined : IPV6_GLOBAL.range;
}

/**
 * ISATAP (RFC 5214): an interface identifier `0:5efe:a.b.c.d` (or `200:5efe:`, the u bit set) under any prefix
 * is delivered in IPv4 to a.b.c.d by the router of that prefix, which is this host when it runs ISATAP itself.
 * Its IPv4 address counts when it is denied; a public one leaves the verdict to the prefix, as a real global
 * address whose identifier happens to look like this is harmless there.
 */
function rangeOfIsatap(bytes: readonly number[]): AddressRange | undefined {
  const isatap = ((bytes[8] as number) & 0xfc) === 0 && bytes[9] === 0 && bytes[10] === 0x5e && bytes[11] === 0xfe;
  return isatap ? rangeOfIpv4(bytes.slice(12)) : undefined;
}

function rangeOfIpv6(bytes: readonly number[]): AddressRange | undefined {
  if (bytes.every((byte, i) => byte === (i === 15 ? 1 : 0))) return "loopback";
  if (bytes.every((byte) => byte === 0)) return "unspecified";
  if (IPV4_EMBEDDING.some((embedding) => inBlock(bytes, embedding.prefix, embedding.bits))) {
    return rangeOfIpv4(bytes.slice(12));
  }
  return rangeOfPrefix(bytes) ?? rangeOfIsatap(bytes);
}

/**
 * The denied range an address falls in, `public` when none, `invalid` when the text is not an address (callers
 * deny those too: anything that cannot be classified is not let through).
 */
export function addressRange(text: string): AddressRange | "public" | "invalid" {
  const ip = parseIp(text);
  if (!ip) return "invalid";
  return (ip.version === 4 ? rangeOfIpv4(ip.bytes) : rangeOfIpv6(ip.bytes)) ?? "public";
}
