// What every benchmark client speaks: the MCP messages used (initialize, tools/list, echo) and the channel interface.

export type Json = Record<string, unknown>;

/**
 * The protocol revision the benchmark clients ask for unless --protocol says otherwise; every target under test
 * supports it. The revision changes the peers' work per call (mcp-proxy sends a priming SSE event before every
 * answer from 2025-11-25 on), so compare runs only at the same revision.
 */
export const PROTOCOL_VERSION = "2025-11-25";

export function initializeParams(protocolVersion: string): string {
  return JSON.stringify({
    protocolVersion,
    capabilities: {},
    clientInfo: { name: "switchboard-bench", version: "1" },
  });
}

/** A JSON-RPC client connection to one target (a stdio pipe or an HTTP session). */
export interface Channel {
  /** Sends one request with pre-serialized params; resolves with the JSON-RPC response object. */
  request(method: string, paramsJson: string): Promise<Json>;
  notify(method: string): Promise<void>;
  /** How many requests may be in flight at once from now on (HTTP: pooled keep-alive sockets). */
  setConcurrency(n: number): void;
  /** Ends the session (HTTP: DELETE) and frees client resources; the target process stays up. */
  close(): Promise<void>;
}

export function requestBody(id: number, method: string, paramsJson: string): string {
  return `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${paramsJson}}`;
}

export function notificationBody(method: string): string {
  return `{"jsonrpc":"2.0","method":"${method}"}`;
}

export function echoParams(tool: string, message = "hi"): string {
  return JSON.stringify({ name: tool, arguments: { message } });
}

/** The echo tool answered `Echo: hi` without an error. */
export function isEchoOk(response: Json): boolean {
  const result = response.result as { content?: { text?: string }[]; isError?: boolean } | undefined;
  return result !== undefined && !result.isError && result.content?.[0]?.text === "Echo: hi";
}

export function isToolsListOk(response: Json): boolean {
  const result = response.result as { tools?: unknown[] } | undefined;
  return Array.isArray(result?.tools) && result.tools.length > 0;
}

export function assertInitialized(response: Json, who: string): void {
  const result = response.result as { protocolVersion?: string } | undefined;
  if (!result?.protocolVersion) throw new Error(`${who}: initialize failed: ${JSON.stringify(response).slice(0, 300)}`);
}
