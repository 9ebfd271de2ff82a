// The 2026-07-28 era on the HTTP front: requests are classified body-first with the SDK's own classifier —
// loaded only when a request carries modern markers, so 2025-era traffic never pays for it — and judged by the
// revision's rules (core/protocol).
import type { IncomingMessage } from "node:http";
import type { JsonRpcMessage } from "../../core/jsonrpc.ts";
import { classifyModern, type EraVerdict, type HeaderOf, type SdkClassification } from "../../core/protocol/index.ts";

type Classifier = typeof import("@modelcontextprotocol/server").classifyInboundRequest;
let classifier: Promise<Classifier> | undefined;

/** One request header as the revision's rules read it: a single string, or absent. */
export function headerOf(req: IncomingMessage): HeaderOf {
  return (name) => {
    const value = req.headers[name];
    return typeof value === "string" ? value : undefined;
  };
}

export async function classifyEra(req: IncomingMessage, message: JsonRpcMessage): Promise<EraVerdict> {
  classifier ??= import("@modelcontextprotocol/server").then((sdk) => sdk.classifyInboundRequest);
  const classify = await classifier;
  const header = headerOf(req);
  const verdict = classify({
    httpMethod: "POST",
    body: message,
    protocolVersionHeader: header("mcp-protocol-version"),
    mcpMethodHeader: header("mcp-method"),
    mcpNameHeader: header("mcp-name"),
  }) as SdkClassification;
  return classifyModern(verdict, message, header);
}
