// The 2026-07-28 revision: stateless requests that carry a per-request `_meta` envelope (protocol version, client
// capabilities) and standard headers (MCP-Protocol-Version, Mcp-Method, Mcp-Name) validated against the body;
// results carry `resultType` and cache fields; a server asks for input by answering "input required" instead
// of sending requests. Pure rules on values: the front runs the SDK's classifier and hands its verdict here.
import { ERROR_CODES, type ErrorCode } from "../errors.ts";
import { isMcpLogLevel, MCP_LOG_LEVELS } from "../mcp-log-levels.ts";

/** Revisions of the stateless era, newest first. */
export const SUPPORTED_MODERN_PROTOCOL_VERSIONS: readonly string[] = ["2026-07-28"];

/** The revision the gateway speaks to servers of the era: the newest it supports. */
export const MODERN_PROTOCOL_VERSION = SUPPORTED_MODERN_PROTOCOL_VERSIONS[0] as string;

/** Revisions from 2026-07-28 on belong to the stateless era (dates compare as strings). */
export function isModernProtocolVersion(version: string): boolean {
  return version >= "2026-07-28";
}

/** A client of the 2026 era is sent no requests (sampling, elicitation, roots) on a response stream. */
export function takesServerRequests(version: string | undefined): boolean {
  return !isModernProtocolVersion(version ?? "");
}

/** A 2026-era request gets a server's log messages only when its envelope asked for a level. */
export function takesLogMessages(version: string | undefined, logLevel: string | undefined): boolean {
  return Boolean(logLevel) || !isModernProtocolVersion(version ?? "");
}

/**
 * A classic client expects a 2026-era server's "input required" as requests: the gateway asks them for it. The
 * same clients as those that take server requests.
 */
export const needsInputAsked = takesServerRequests;

/** Keys of the per-request `_meta` envelope. */
export const META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
export const META_CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
export const META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
export const META_LOG_LEVEL = "io.modelcontextprotocol/logLevel";
export const META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";
/** Tags every message of a subscriptions/listen stream. */
export const META_SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";

/** The methods the revision defines (no initialize, ping, logging/setLevel, resources/subscribe). */
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

/** Reads one request header; undefined when absent (or repeated). */
export type HeaderOf = (name: string) => string | undefined;

/** What a 2026-era request's envelope stands in for: initialize's revision, capabilities and client. */
export interface ModernRequest {
  kind: "modern";
  revision: string;
  capabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown> | undefined;
  logLevel: string | undefined;
}

/** How a request refused by the revision is answered: the HTTP status and the JSON-RPC error object. */
export interface EraRejection {
  kind: "reject";
  status: number;
  error: { code: number; message: string; data?: unknown };
}

export type EraVerdict = { kind: "legacy" } | ModernRequest | { kind: "modern-notification" } | EraRejection;

/** The SDK's inbound classification (`classifyInboundRequest`), the part the revision's rules read. */
export interface SdkClassification {
  kind: string;
  httpStatus?: number;
  code?: number;
  message?: string;
  data?: unknown;
  messageKind?: string;
  classification?: { revision?: string };
}

function metaOf(message: object): Record<string, unknown> | undefined {
  const params = (message as { params?: Record<string, unknown> }).params;
  return params?._meta as Record<string, unknown> | undefined;
}

/** Cheap hot-path test: does the request claim the 2026 era at all (envelope in the body, or a modern header)? */
export function claimsModern(message: object, header: HeaderOf): boolean {
  if (metaOf(message)?.[META_PROTOCOL_VERSION] !== undefined) return true;
  const version = header("mcp-protocol-version");
  return header("mcp-method") !== undefined || (version !== undefined && isModernProtocolVersion(version));
}

/** The revision's verdict on a message the SDK classified: legacy, a modern request or notification, or refused. */
export function classifyModern(verdict: SdkClassification, message: object, header: HeaderOf): EraVerdict {
  if (verdict.kind === "reject") {
    // The SDK's refusal as it shaped it; its defaults are invalid_request's.
    const { http, jsonRpc } = ERROR_CODES.invalid_request;
    return reject(verdict.httpStatus ?? http, verdict.code ?? jsonRpc, verdict.message ?? "Bad Request", verdict.data);
  }
  const meta = metaOf(message) ?? {};
  const versionHeader = header("mcp-protocol-version");
  if (verdict.kind !== "modern") {
    return meta[META_PROTOCOL_VERSION] === undefined && versionHeader && isModernProtocolVersion(versionHeader)
      ? refuse(
          "invalid_params",
          `Request is missing the required _meta envelope for protocol revision ${versionHeader}`,
          {
            envelope: "missing",
          },
        )
      : { kind: "legacy" };
  }
  const revision = String(verdict.classification?.revision ?? meta[META_PROTOCOL_VERSION]);
  if (!SUPPORTED_MODERN_PROTOCOL_VERSIONS.includes(revision)) {
    return refuse("unsupported_protocol_version", `Unsupported protocol version: ${revision}`, {
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
  header: HeaderOf,
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
    return refuse(
      "invalid_params",
      `Invalid _meta envelope for protocol revision ${revision}: ${META_CLIENT_CAPABILITIES} is required`,
      { envelope: "invalid" },
    );
  }
  const logLevel = meta[META_LOG_LEVEL];
  if (logLevel !== undefined && !isMcpLogLevel(logLevel)) {
    return refuse(
      "invalid_params",
      `Invalid _meta envelope: ${META_LOG_LEVEL} must be one of ${MCP_LOG_LEVELS.join(", ")}`,
      { envelope: "invalid" },
    );
  }
  if (!MODERN_METHODS.has(method))
    return refuse("method_not_found", `Method not found: ${method} is not part of protocol revision ${revision}`);
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

/** Headers and body disagree (or a required header is missing). */
function mismatch(detail: string): EraVerdict {
  return refuse("header_mismatch", `Bad Request: the request headers and body disagree: ${detail}`);
}

/**
 * A refusal the revision defines: code and status from the registry, the error object exactly as the revision
 * shapes it (no `kind`/`retryable` in data).
 */
function refuse(code: ErrorCode, message: string, data?: unknown): EraRejection {
  const { jsonRpc, http } = ERROR_CODES[code];
  return reject(http, jsonRpc, message, data);
}

function reject(status: number, code: number, message: string, data?: unknown): EraRejection {
  return { kind: "reject", status, error: data === undefined ? { code, message } : { code, message, data } };
}

/**
 * A health check of a server: `ping`, except in the 2026 era, which has no ping (see MODERN_METHODS):
 * server/discover is its cheapest request.
 */
export function healthCheckMethod(modern: boolean): string {
  return modern && !MODERN_METHODS.has("ping") ? "server/discover" : "ping";
}

/**
 * The `_meta` of a request sent to a 2026-era server. Every request carries the envelope: the gateway's own
 * (for requests no client made: lists, health checks), overlaid by the caller's entries when it has them, and
 * the revision spoken. `progressToken` (the upstream's own token for the call) when the caller asked for progress.
 */
export function modernRequestMeta(
  meta: Record<string, unknown> | undefined,
  gatewayEnvelope: Record<string, unknown>,
  callerEnvelope: Record<string, unknown> | undefined,
  progressToken: string | number | undefined,
): Record<string, unknown> {
  const merged: Record<string, unknown> = {
    ...meta,
    ...gatewayEnvelope,
    ...callerEnvelope,
    [META_PROTOCOL_VERSION]: MODERN_PROTOCOL_VERSION,
  };
  if (progressToken !== undefined) merged.progressToken = progressToken;
  return merged;
}

/** A session's view of the client, as the envelope carries it. */
export interface EnvelopeSource {
  clientCapabilities: Record<string, unknown> | undefined;
  clientInfo: Record<string, unknown> | undefined;
  logLevel: string | undefined;
}

/** The client's own envelope entries, sent with its requests to 2026-era servers. */
export function envelopeOf(client: EnvelopeSource): Record<string, unknown> {
  const envelope: Record<string, unknown> = { [META_CLIENT_CAPABILITIES]: client.clientCapabilities ?? {} };
  if (client.clientInfo) envelope[META_CLIENT_INFO] = client.clientInfo;
  if (client.logLevel) envelope[META_LOG_LEVEL] = client.logLevel;
  return envelope;
}

/** The requests embedded in an "input required" result, by the key their answers go back under. */
export function inputRequestsOf(
  result: Record<string, unknown> | undefined,
): Record<string, { method: string; params?: Record<string, unknown> }> | undefined {
  if (result?.resultType !== "input_required") return undefined;
  return (result.inputRequests ?? {}) as Record<string, { method: string; params?: Record<string, unknown> }>;
}

/** The params of the retry of a call answered "input required": the answers, and the server's requestState. */
export function inputRetryParams(
  params: Record<string, unknown> | undefined,
  result: Record<string, unknown>,
  inputResponses: Record<string, unknown>,
): Record<string, unknown> {
  const retry: Record<string, unknown> = { ...params, inputResponses };
  if (result.requestState !== undefined) retry.requestState = result.requestState;
  return retry;
}

/**
 * A result as the revision sends it: `resultType`, cache fields on cacheable results, the endpoint's serverInfo
 * in `_meta`, and the fields the revision removed (`execution` on tools, `tasks` capability) stripped.
 */
export function modernResult(
  method: string,
  original: Record<string, unknown> | undefined,
  serverInfo: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...original };
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
  return result;
}

/**
 * An error object as the revision sends it, and its HTTP status: the resource-not-found code becomes invalid
 * params; errors stay in-band (200) except a missing client capability, which the revision answers with 400.
 */
export function modernError<E extends { code: number }>(error: E): { error: E; status: number } {
  const code = error.code === ERROR_CODES.resource_not_found.jsonRpc ? ERROR_CODES.invalid_params.jsonRpc : error.code;
  const status =
    code === ERROR_CODES.missing_client_capability.jsonRpc ? ERROR_CODES.missing_client_capability.http : 200;
  return { error: code === error.code ? error : { ...error, code }, status };
}
