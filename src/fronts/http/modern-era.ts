// The 2026-07-28 protocol era on the same endpoint as the 2025 era: stateless requests that carry a per-request
// `_meta` envelope (protocol version, client capabilities) and standard headers (MCP-Protocol-Version,
// Mcp-Method, Mcp-Name). Requests are classified body-first with the SDK's own classifier — loaded only when a
// request carries modern markers, so 2025-era traffic never pays for it — and their results are encoded the
// 2026 way (resultType, cache fields, serverInfo in _meta, removed fields stripped).
import type { IncomingMessage } from "node:http";
import type { JsonRpcMessage } from "../../core/jsonrpc.ts";
import { isMcpLogLevel, MCP_LOG_LEVELS } from "../../core/mcp-log-levels.ts";
import {
  isModernProtocolVersion,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_LOG_LEVEL,
  META_PROTOCOL_VERSION,
  META_SERVER_INFO,
  SUPPORTED_MODERN_PROTOCOL_VERSIONS,
} from "../../core/protocol.ts";

/** The methods the 2026-07-28 revision defines (no initialize, ping, logging/setLevel, resources/subscribe). */
const MODERN_METHODS = new Set([
  "tools/call",
  "tools/list",
  "prompts/get",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "completion/complete",
  "server/discover",
  "tasks/get",
  "tasks/cancel",
  "subscriptions/listen",
]);

/** Which body field the Mcp-Name header mirrors, per method. */
const NAME_SOURCE: Record<string, string> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

const CACHEABLE_METHODS = new Set([
  "tools/list",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "server/discover",
]);
const BASE64_PREFIX = "=?base64?";
const BASE64_SUFFIX = "?=";
/** JSON-RPC code the revision uses when headers and body disagree (or a required header is missing). */
const HEADER_MISMATCH = -32020;
const UNSUPPORTED_VERSION = -32022;
const MISSING_CLIENT_CAPABILITY = -32021;

export interface ModernRequest {
  kind: "modern";
  revision: string;
  capabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown> | undefined;
  logLevel: string | undefined;
}

export type EraVerdict =
  | { kind: "legacy" }
  | ModernRequest
  | { kind: "modern-notification" }
  | { kind: "reject"; status: number; error: { code: number; message: string; data?: unknown } };

type Classifier = typeof import("@modelcontextprotocol/server").classifyInboundRequest;
let classifier: Promise<Classifier> | undefined;

/** Cheap hot-path test: does the request claim the 2026 era at all (envelope in the body, or a modern header)? */
export function claimsModern(message: JsonRpcMessage, req: IncomingMessage): boolean {
  const meta = "params" in message ? (message.params?._meta as Record<string, unknown> | undefined) : undefined;
  if (meta?.[META_PROTOCOL_VERSION] !== undefined) return true;
  const version = req.headers["mcp-protocol-version"];
  return req.headers["mcp-method"] !== undefined || (typeof version === "string" && isModernProtocolVersion(version));
}

export async function classifyEra(req: IncomingMessage, message: JsonRpcMessage): Promise<EraVerdict> {
  classifier ??= import("@modelcontextprotocol/server").then((sdk) => sdk.classifyInboundRequest);
  const classify = await classifier;
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === "string" ? value : undefined;
  };
  const verdict = classify({
    httpMethod: "POST",
    body: message,
    protocolVersionHeader: header("mcp-protocol-version"),
    mcpMethodHeader: header("mcp-method"),
    mcpNameHeader: header("mcp-name"),
  }) as {
    kind: string;
    httpStatus?: number;
    code?: number;
    message?: string;
    data?: unknown;
    messageKind?: string;
    classification?: { revision?: string };
  };
  if (verdict.kind === "reject") {
    return reject(verdict.httpStatus ?? 400, verdict.code ?? -32600, verdict.message ?? "Bad Request", verdict.data);
  }
  const meta = ("params" in message ? (message.params?._meta as Record<string, unknown> | undefined) : undefined) ?? {};
  if (verdict.kind !== "modern") {
    return meta[META_PROTOCOL_VERSION] === undefined &&
      header("mcp-protocol-version") &&
      isModernProtocolVersion(header("mcp-protocol-version") as string)
      ? reject(
          400,
          -32602,
          `Request is missing the required _meta envelope for protocol revision ${header("mcp-protocol-version")}`,
          { envelope: "missing" },
        )
      : { kind: "legacy" };
  }
  const revision = String(verdict.classification?.revision ?? meta[META_PROTOCOL_VERSION]);
  if (!SUPPORTED_MODERN_PROTOCOL_VERSIONS.includes(revision)) {
    return reject(400, UNSUPPORTED_VERSION, `Unsupported protocol version: ${revision}`, {
      supported: [...SUPPORTED_MODERN_PROTOCOL_VERSIONS],
      requested: revision,
    });
  }
  if (verdict.messageKind !== "request") return { kind: "modern-notification" };
  return checkRequest(message as { method: string; params?: Record<string, unknown> }, meta, revision, header);
}

function checkRequest(
  message: { method: string; params?: Record<string, unknown> },
  meta: Record<string, unknown>,
  revision: string,
  header: (name: string) => string | undefined,
): EraVerdict {
  const { method } = message;
  if (header("mcp-protocol-version") === undefined)
    return mismatch("the required MCP-Protocol-Version header is absent");
  if (header("mcp-method") === undefined)
    return mismatch(`the body names method ${method} but the required Mcp-Method header is absent`);
  const field = NAME_SOURCE[method];
  const bodyName = field ? message.params?.[field] : undefined;
  if (field && typeof bodyName === "string") {
    const named = header("mcp-name");
    if (named === undefined)
      return mismatch(`the body carries params.${field}="${bodyName}" but the required Mcp-Name header is absent`);
    const decoded = decodeHeaderValue(named.trim());
    if (decoded === undefined) return mismatch("the Mcp-Name header carries an invalid Base64 sentinel value");
    if (decoded !== bodyName)
      return mismatch(`the body carries params.${field}="${bodyName}" but the Mcp-Name header names "${decoded}"`);
  }
  const capabilities = meta[META_CLIENT_CAPABILITIES];
  if (capabilities === null || typeof capabilities !== "object" || Array.isArray(capabilities)) {
    return reject(
      400,
      -32602,
      `Invalid _meta envelope for protocol revision ${revision}: ${META_CLIENT_CAPABILITIES} is required`,
      { envelope: "invalid" },
    );
  }
  const logLevel = meta[META_LOG_LEVEL];
  if (logLevel !== undefined && !isMcpLogLevel(logLevel)) {
    return reject(
      400,
      -32602,
      `Invalid _meta envelope: ${META_LOG_LEVEL} must be one of ${MCP_LOG_LEVELS.join(", ")}`,
      {
        envelope: "invalid",
      },
    );
  }
  if (!MODERN_METHODS.has(method))
    return reject(404, -32601, `Method not found: ${method} is not part of protocol revision ${revision}`);
  return {
    kind: "modern",
    revision,
    capabilities: capabilities as Record<string, unknown>,
    clientInfo: meta[META_CLIENT_INFO] as Record<string, unknown> | undefined,
    logLevel,
  };
}

/** `=?base64?…?=` values carry non-ASCII names; anything else is taken as is. */
function decodeHeaderValue(value: string): string | undefined {
  if (!(value.startsWith(BASE64_PREFIX) && value.endsWith(BASE64_SUFFIX))) return value;
  const encoded = value.slice(BASE64_PREFIX.length, -BASE64_SUFFIX.length);
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(encoded)) return undefined;
  return Buffer.from(encoded, "base64").toString("utf8");
}

function mismatch(detail: string): EraVerdict {
  return reject(400, HEADER_MISMATCH, `Bad Request: the request headers and body disagree: ${detail}`);
}

function reject(status: number, code: number, message: string, data?: unknown): EraVerdict {
  return { kind: "reject", status, error: data === undefined ? { code, message } : { code, message, data } };
}

/**
 * Re-encodes a response for a 2026-era client: `resultType`, cache fields on cacheable results, the gateway's
 * serverInfo in `_meta`, fields the revision removed (`execution` on tools, `tasks` capability) stripped, and
 * the resource-not-found code the revision folded into invalid params.
 */
export function encodeModernResponse(
  method: string,
  json: string,
  serverInfo: Record<string, unknown>,
): { body: string; status: number } {
  const message = JSON.parse(json) as { result?: Record<string, unknown>; error?: { code: number } };
  if (message.error) {
    if (message.error.code === -32002) message.error.code = -32602;
    // Errors stay in-band (HTTP 200) except a missing client capability, which the revision answers with 400.
    return { body: JSON.stringify(message), status: message.error.code === MISSING_CLIENT_CAPABILITY ? 400 : 200 };
  }
  const result: Record<string, unknown> = { ...message.result };
  if (method === "tools/list" && Array.isArray(result.tools)) {
    result.tools = (result.tools as Record<string, unknown>[]).map(({ execution: _execution, ...tool }) => tool);
  }
  if (result.capabilities && typeof result.capabilities === "object") {
    const { tasks: _tasks, ...capabilities } = result.capabilities as Record<string, unknown>;
    result.capabilities = capabilities;
  }
  result.resultType ??= "complete";
  if (result.resultType === "complete" && CACHEABLE_METHODS.has(method)) {
    if (!(Number.isInteger(result.ttlMs) && (result.ttlMs as number) >= 0)) result.ttlMs = 0;
    if (result.cacheScope !== "public" && result.cacheScope !== "private") result.cacheScope = "private";
  }
  const meta = (result._meta as Record<string, unknown> | undefined) ?? {};
  result._meta = { ...meta, [META_SERVER_INFO]: meta[META_SERVER_INFO] ?? serverInfo };
  return { body: JSON.stringify({ ...message, result }), status: 200 };
}
