// The handshake answers the gateway gives itself: initialize (2025 era), server/discover (2026 era), and the
// serverInfo an endpoint answers as. /mcp answers as the gateway; /mcp/{server} as the server (from its manifest).
import type { JsonRpcRequest } from "../../core/jsonrpc.ts";
import {
  isSupportedProtocolVersion,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_MODERN_PROTOCOL_VERSIONS,
} from "../../core/protocol/index.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { GATEWAY_CLIENT_INFO } from "../upstream/upstream-peer.ts";
import type { DownstreamSession, SessionRegistry } from "./sessions.ts";

const AGGREGATE_CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true, subscribe: true },
  completions: {},
  logging: {},
};

/** initialize: records the negotiated revision and the client on the session; returns the serialized result. */
export function initializeResult(
  session: DownstreamSession,
  request: JsonRpcRequest,
  deps: { catalog: Catalog; sessions: SessionRegistry },
): string {
  const params = request.params ?? {};
  const asked = typeof params.protocolVersion === "string" ? params.protocolVersion : undefined;
  const protocolVersion = asked && isSupportedProtocolVersion(asked) ? asked : LATEST_PROTOCOL_VERSION;
  session.protocolVersion = protocolVersion;
  session.clientInfo = params.clientInfo as Record<string, unknown> | undefined;
  session.clientCapabilities = params.capabilities as Record<string, unknown> | undefined;
  deps.sessions.persist(session);
  if (session.endpoint.kind === "server") {
    // The transparent endpoint answers as the server itself (from its cached manifest) without starting it.
    const manifest = deps.catalog.manifest(session.endpoint.server);
    const result: Record<string, unknown> = {
      protocolVersion,
      capabilities: manifest?.capabilities ?? AGGREGATE_CAPABILITIES,
      serverInfo: manifest?.serverInfo ?? { name: session.endpoint.server, version: "unknown" },
    };
    if (manifest?.instructions) result.instructions = manifest.instructions;
    return JSON.stringify(result);
  }
  return JSON.stringify({ protocolVersion, capabilities: AGGREGATE_CAPABILITIES, serverInfo: GATEWAY_CLIENT_INFO });
}

/** The 2026-era probe: which revisions the gateway speaks statelessly, and the endpoint's capabilities. */
export function discoverResult(session: DownstreamSession, catalog: Catalog): string {
  const manifest = session.endpoint.kind === "server" ? catalog.manifest(session.endpoint.server) : undefined;
  const result: Record<string, unknown> = {
    supportedVersions: SUPPORTED_MODERN_PROTOCOL_VERSIONS,
    capabilities: manifest?.capabilities ?? AGGREGATE_CAPABILITIES,
  };
  if (manifest?.instructions) result.instructions = manifest.instructions;
  return JSON.stringify(result);
}

/** Who answers on an endpoint: the gateway on /mcp, the server itself (from its manifest) on /mcp/{server}. */
export function endpointServerInfo(endpoint: DownstreamSession["endpoint"], catalog: Catalog): Record<string, unknown> {
  if (endpoint.kind === "aggregate") return GATEWAY_CLIENT_INFO;
  return catalog.manifest(endpoint.server)?.serverInfo ?? { name: endpoint.server, version: "unknown" };
}
