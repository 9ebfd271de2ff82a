// What `switchboard serve` logs once it listens: where to connect (MCP endpoints, admin, health) and where state is.
import type { GatewayConfig } from "../../core/gateway-config.ts";
import type { Logger } from "../../ports/logger.ts";

/** The startup banner: one log line a new user can copy the MCP URL from, with the same facts as fields. */
export function logStartupBanner(config: GatewayConfig, logger: Logger, url: string): void {
  const facts = {
    url,
    mcp: `${url}/mcp`,
    mcpServer: `${url}/mcp/{server}`,
    admin: `${url}/servers`,
    health: `${url}/health`,
    metrics: `${url}/metrics`,
    stateDir: config.gateway.stateDir,
    servers: config.servers.length,
    auth: config.gateway.auth.mode,
  };
  logger.info(
    facts,
    `switchboard listening on ${url} — MCP: ${facts.mcp} (all servers), ${facts.mcpServer} (one server); ` +
      `admin: ${facts.admin}, ${facts.health}, ${facts.metrics}; state directory: ${facts.stateDir}; ` +
      `authentication: ${facts.auth}`,
  );
  if (config.servers.length === 0) {
    logger.warn(
      { config: config.source },
      `the configuration${config.source ? ` ${config.source}` : ""} has no servers: /mcp lists no tools ` +
        'until servers are added under "servers" (or "mcpServers")',
    );
  }
}
