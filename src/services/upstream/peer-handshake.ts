// Opening an upstream session in the era asked for: `legacy` → initialize (then notifications/initialized);
// `modern` → server/discover; `auto` → server/discover, falling back to initialize when the server does not
// speak the 2026 era. A 2026-era session keeps a listen stream open for list_changed.
import { SwitchboardError } from "../../core/errors.ts";
import type { JsonRpcRequest, JsonRpcResponse } from "../../core/jsonrpc.ts";
import {
  isSupportedProtocolVersion,
  LATEST_PROTOCOL_VERSION,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_SERVER_INFO,
  MODERN_PROTOCOL_VERSION,
} from "../../core/protocol/index.ts";
import { GATEWAY_NAME, GATEWAY_VERSION } from "../../core/version.ts";
import type { InitializeOutcome, RequestOptions } from "./peer-types.ts";

export const GATEWAY_CLIENT_INFO = { name: GATEWAY_NAME, version: GATEWAY_VERSION };

/** What the handshake needs of the peer it opens. */
export interface HandshakeChannel {
  readonly serverName: string;
  request(message: JsonRpcRequest, options: RequestOptions): Promise<JsonRpcResponse>;
  notify(method: string): Promise<void>;
  /** Speaks `era` from now on: `protocolVersion` on the wire, `envelope` on 2026-era requests of the gateway's own. */
  useEra(era: "legacy" | "modern", protocolVersion: string, envelope?: Record<string, unknown>): void;
  /** Why the connection ended, if it did. */
  closedWith(): SwitchboardError | undefined;
}

export async function openSession(
  channel: HandshakeChannel,
  protocol: "legacy" | "auto" | "modern",
  timeoutMs: number,
  signal: AbortSignal | undefined,
  capabilities: Record<string, unknown>,
): Promise<InitializeOutcome> {
  if (protocol === "legacy") return initialize(channel, timeoutMs, signal, capabilities);
  const discovered = await discover(channel, timeoutMs, signal, capabilities);
  if (discovered) return discovered;
  if (protocol === "modern") {
    throw new SwitchboardError(
      "upstream_unavailable",
      `server ${channel.serverName} does not speak protocol ${MODERN_PROTOCOL_VERSION}`,
    );
  }
  return initialize(channel, timeoutMs, signal, capabilities);
}

/** The 2026-era opening: server/discover; undefined when the server does not offer that revision. */
async function discover(
  channel: HandshakeChannel,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  capabilities: Record<string, unknown>,
): Promise<InitializeOutcome | undefined> {
  channel.useEra("modern", MODERN_PROTOCOL_VERSION, {
    [META_CLIENT_CAPABILITIES]: capabilities,
    [META_CLIENT_INFO]: GATEWAY_CLIENT_INFO,
  });
  const response = await channel
    .request({ jsonrpc: "2.0", id: 0, method: "server/discover", params: {} }, { timeoutMs, signal })
    .catch((error: unknown) => {
      if (error instanceof SwitchboardError && error.code !== "upstream_unavailable" && error.code !== "timeout")
        throw error;
      return undefined;
    });
  const result = response?.result;
  const versions = Array.isArray(result?.supportedVersions) ? (result.supportedVersions as string[]) : [];
  if (!result || !versions.includes(MODERN_PROTOCOL_VERSION)) {
    channel.useEra("legacy", LATEST_PROTOCOL_VERSION);
    const closed = channel.closedWith();
    if (closed) throw closed;
    return undefined;
  }
  // The 2026 era sends list_changed only on a listen stream: keep one open for the catalog.
  channel
    .request(
      {
        jsonrpc: "2.0",
        id: 0,
        method: "subscriptions/listen",
        params: { notifications: { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true } },
      },
      { timeoutMs: Number.POSITIVE_INFINITY },
    )
    .catch(() => {});
  const meta = (result._meta as Record<string, unknown> | undefined) ?? {};
  return outcome(MODERN_PROTOCOL_VERSION, result, meta[META_SERVER_INFO]);
}

/** The MCP handshake: initialize, check the version, then notifications/initialized. */
async function initialize(
  channel: HandshakeChannel,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  capabilities: Record<string, unknown>,
): Promise<InitializeOutcome> {
  const response = await channel.request(
    {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities, clientInfo: GATEWAY_CLIENT_INFO },
    },
    { timeoutMs, signal },
  );
  if (response.error) {
    throw new SwitchboardError(
      "upstream_unavailable",
      `server ${channel.serverName} refused initialize: ${response.error.message}`,
    );
  }
  const result = response.result ?? {};
  const protocolVersion = String(result.protocolVersion);
  if (!isSupportedProtocolVersion(protocolVersion)) {
    throw new SwitchboardError(
      "upstream_unavailable",
      `server ${channel.serverName} speaks unsupported protocol ${protocolVersion}`,
    );
  }
  channel.useEra("legacy", protocolVersion);
  await channel.notify("notifications/initialized");
  return outcome(protocolVersion, result, result.serverInfo);
}

/** What an initialize or server/discover result tells about the server. */
function outcome(protocolVersion: string, result: Record<string, unknown>, serverInfo: unknown): InitializeOutcome {
  return {
    protocolVersion,
    capabilities: (result.capabilities as Record<string, unknown>) ?? {},
    serverInfo: (serverInfo as Record<string, unknown>) ?? {},
    instructions: typeof result.instructions === "string" ? result.instructions : undefined,
  };
}
