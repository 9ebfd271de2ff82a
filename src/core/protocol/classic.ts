// The classic MCP revisions (2024-10-07 … 2025-11-25): a session opened by initialize, whose answers go out as
// the plain JSON-RPC response. They behave the same at the gateway, except that priming events (an SSE event id
// with empty data) need 2025-11-25. Kept here (not imported from the SDK) so the hot path does not load the
// SDK's client bundle; a unit test checks they match the SDK's own list.
import { isModernProtocolVersion } from "./modern.ts";

/** The revisions the gateway speaks, newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [
  "2025-11-25",
  "2025-06-18",
  "2025-03-26",
  "2024-11-05",
  "2024-10-07",
];

export const LATEST_PROTOCOL_VERSION = "2025-11-25";

/** Priming events (an id with empty data) confuse clients older than this revision. */
const PRIMING_MIN_VERSION = "2025-11-25";

export function isSupportedProtocolVersion(version: string): boolean {
  return SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}

/** Whether a session of this revision may be sent priming events. */
export function acceptsPriming(version: string | undefined): boolean {
  return (version ?? "") >= PRIMING_MIN_VERSION;
}

/** An MCP-Protocol-Version header must name a revision the gateway speaks; a POST may also name the 2026 era. */
export function acceptsVersionHeader(version: string, httpMethod: string | undefined): boolean {
  return isSupportedProtocolVersion(version) || (httpMethod === "POST" && isModernProtocolVersion(version));
}
