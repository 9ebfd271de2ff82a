// What `GET /` answers: the gateway's name, version and where its endpoints are, for a person or a probe that
// opens the base URL (a JSON-RPC error there told a new user nothing).
import { GATEWAY_NAME, GATEWAY_VERSION } from "../../core/version.ts";

/** Built once per front: the paths never change while it runs. */
export function rootDocument(): string {
  return JSON.stringify({
    name: GATEWAY_NAME,
    version: GATEWAY_VERSION,
    mcp: {
      aggregate: "/mcp",
      server: "/mcp/{server}",
      transport: "streamable HTTP (POST JSON-RPC; GET and DELETE with an Mcp-Session-Id)",
    },
    admin: {
      servers: "/servers",
      audit: "/audit",
      tokens: "/tokens",
      keys: "/keys",
      health: "/health",
      live: "/health/live",
      ready: "/health/ready",
      metrics: "/metrics",
    },
  });
}
