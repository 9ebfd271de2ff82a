// Request guards of the HTTP front: Host and Origin validation (DNS-rebinding protection) and a body cap
// enforced before parsing.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIPv4 } from "node:net";
import { SwitchboardError } from "../../core/errors.ts";

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Loopback names and 127.0.0.0/8 literals only: `127.evil.example` is a DNS name, not a loopback address. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || (isIPv4(host) && host.startsWith("127."));
}

/**
 * Without authentication (gateway.auth.mode none) only loopback binds are allowed: anyone who reaches any other
 * address could call tools, stop servers and read the audit log. The operator may override that with
 * allowInsecureBind (--insecure-bind), which is logged as INSECURE. Throws `config_invalid` naming the settings.
 */
export function checkBindAllowed(
  bindHost: string,
  settings: { allowInsecureBind: boolean; authMode: string; publicUrl?: string | undefined },
  source: string | undefined,
): void {
  if (!isLoopbackHost(bindHost) && settings.authMode === "oauth" && !settings.publicUrl) {
    // The metadata and the audience tokens are checked against would come from a Host header anyone can send.
    const message =
      `gateway.auth.mode oauth on the non-loopback address "${bindHost}" needs gateway.auth.publicUrl: the URL ` +
      "clients use, which tokens are issued for and the metadata names";
    throw new SwitchboardError("config_invalid", message, {
      data: { source: source ?? "configuration", problems: [{ path: "gateway.auth.publicUrl", message }] },
    });
  }
  if (isLoopbackHost(bindHost) || settings.authMode !== "none" || settings.allowInsecureBind) return;
  const message =
    `refusing to bind the non-loopback address "${bindHost}" without authentication: set gateway.auth.mode ` +
    "(apiKey, jwt or oauth; docs/authentication.md), or set gateway.allowInsecureBind (--insecure-bind) to serve " +
    "anyone who reaches the port";
  throw new SwitchboardError("config_invalid", message, {
    data: { source: source ?? "configuration", problems: [{ path: "gateway.host", message }] },
  });
}

export interface OriginPolicy {
  /** Checks the Host header; undefined when any host is accepted (non-loopback bind with no allow-list). */
  hostAllowed: ((host: string) => boolean) | undefined;
  originAllowed: (origin: string) => boolean;
}

export function createOriginPolicy(
  bindHost: string,
  allowedHosts: readonly string[],
  allowedOrigins: readonly string[],
): OriginPolicy {
  const extraHosts = new Set(allowedHosts.map((h) => h.toLowerCase()));
  const validateHost = isLoopbackHost(bindHost) || extraHosts.size > 0;
  const hostAllowed = (host: string) => {
    const lower = host.toLowerCase();
    const name = hostname(lower);
    return (
      isLoopbackHost(name) ||
      extraHosts.has(lower) ||
      extraHosts.has(name) ||
      (!isLoopbackHost(bindHost) && name === bindHost)
    );
  };
  const origins = new Set(allowedOrigins.map((o) => o.toLowerCase()));
  return {
    hostAllowed: validateHost ? hostAllowed : undefined,
    originAllowed: (origin) => {
      if (origins.has(origin.toLowerCase())) return true;
      try {
        const url = new URL(origin);
        return (url.protocol === "http:" || url.protocol === "https:") && isLoopbackHost(url.hostname);
      } catch {
        return false;
      }
    },
  };
}

/** `example.com:8080` → `example.com`; `[::1]:8080` → `[::1]`. */
function hostname(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.indexOf(":");
  return colon < 0 ? host : host.slice(0, colon);
}

/**
 * Throws `invalid_request` (400) for a request with more than one Host header (node keeps the first, a proxy in
 * front may have judged the other), and `forbidden` when Host or Origin is not allowed.
 */
export function checkOrigin(req: IncomingMessage, policy: OriginPolicy): void {
  if (hostHeaders(req.rawHeaders) > 1) throw new SwitchboardError("invalid_request", "more than one Host header");
  const host = req.headers.host;
  // A Host that is not `name[:port]` (e.g. `localhost:1@evil.example`) would pass a prefix check and then be
  // echoed into URLs (the resource metadata): refused outright.
  if (host !== undefined && !HOST_SYNTAX.test(host))
    throw new SwitchboardError("invalid_request", "malformed Host header");
  if (policy.hostAllowed && (!host || !policy.hostAllowed(host))) {
    throw new SwitchboardError("forbidden", `Host header "${host ?? ""}" is not allowed`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !policy.originAllowed(origin)) {
    throw new SwitchboardError("forbidden", `Origin "${origin}" is not allowed`);
  }
}

/** `name[:port]` or `[v6]:port`: what a Host header may be (RFC 9110 uri-host, without user info). */
const HOST_SYNTAX = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::[0-9]{1,5})?$/;

/** How many Host headers a request carries (raw headers alternate name, value). */
function hostHeaders(raw: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && name.toLowerCase() === "host") count++;
  }
  return count;
}

/** Reads the body up to `maxBytes`; `payload_too_large` as soon as the cap is passed (before parsing). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off("data", onData);
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8")),
    );
    req.once("error", reject);
  });
}

/** The id of a JSON-RPC request body, or null when the body is too large, not JSON or has no usable id. */
export async function readRequestId(req: IncomingMessage, maxBytes: number): Promise<string | number | null> {
  try {
    const message = JSON.parse(await readBody(req, maxBytes)) as { id?: unknown } | null;
    const id = message?.id;
    return typeof id === "string" || typeof id === "number" ? id : null;
  } catch {
    return null;
  }
}

function tooLarge(maxBytes: number): SwitchboardError {
  return new SwitchboardError("payload_too_large", `request body exceeds ${maxBytes} bytes`);
}

/** A percent-decoded path segment; malformed escapes are the client's error, not a 500. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new SwitchboardError("invalid_request", `malformed percent-encoding in path segment "${segment}"`);
  }
}

/** Accepted client request ids: 1–128 characters of letters, digits and `-_.:/+=@` (they reach logs and the audit log). */
const REQUEST_ID = /^[A-Za-z0-9\-_.:/+=@]{1,128}$/;
/**
 * The request's correlation id: the client's X-Request-Id when it is well-formed, else a new UUID. Minted once
 * per request by the front, which passes it on (and enters the CorrelationScope with it).
 */
export function mintCorrelationId(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}
