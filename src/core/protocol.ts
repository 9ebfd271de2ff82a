// MCP protocol revisions the gateway speaks, newest first. Kept here (not imported from the SDK) so the hot
// path does not load the SDK's client bundle; a unit test checks they match the SDK's own list.

export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [
  "2025-11-25",
  "2025-06-18",
  "2025-03-26",
  "2024-11-05",
  "2024-10-07",
];

export const LATEST_PROTOCOL_VERSION = "2025-11-25";

export function isSupportedProtocolVersion(version: string): boolean {
  return SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}

/** Revisions of the stateless era (per-request `_meta` envelope, no initialize), newest first. */
export const SUPPORTED_MODERN_PROTOCOL_VERSIONS: readonly string[] = ["2026-07-28"];

/** Revisions from 2026-07-28 on belong to the stateless era (dates compare as strings). */
export function isModernProtocolVersion(version: string): boolean {
  return version >= "2026-07-28";
}

/** Keys of the 2026-era per-request `_meta` envelope. */
export const META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
export const META_CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
export const META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
export const META_LOG_LEVEL = "io.modelcontextprotocol/logLevel";
export const META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";
