// The HTTP front: one node:http server for the MCP endpoints and the admin API, behind Host/Origin checks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Gateway } from "../../app.ts";
import { SwitchboardError } from "../../core/errors.ts";
import type { Endpoint } from "../../services/router/sessions.ts";
import { createAdminApi } from "./admin-api.ts";
import { checkOrigin, createOriginPolicy, decodePathSegment, isLoopbackHost } from "./guards.ts";
import { createMcpEndpoint } from "./mcp-endpoint.ts";
import { sendRpcError } from "./respond.ts";

export interface HttpFront {
  readonly server: Server;
  /** The bound address, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startHttpFront(
  gateway: Gateway,
  options: { host?: string; port?: number } = {},
): Promise<HttpFront> {
  const settings = gateway.config.gateway;
  const host = options.host ?? settings.host;
  const port = options.port ?? settings.port;
  const policy = createOriginPolicy(host, settings.allowedHosts, settings.allowedOrigins);
  if (!policy.hostAllowed) {
    gateway.logger.warn(
      { host },
      "bound to a non-loopback address without gateway.allowedHosts: Host headers are not checked",
    );
  }
  const mcp = createMcpEndpoint({
    router: gateway.router,
    sessions: gateway.sessions,
    maxBodyBytes: settings.maxBodyBytes,
  });
  const admin = createAdminApi(gateway);

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = (query < 0 ? url : url.slice(0, query)).replace(/\/+$/, "") || "/";
    try {
      checkOrigin(req, policy);
      const endpoint = mcpEndpoint(path, gateway);
      if (endpoint) return await mcp.handle(req, res, endpoint);
      if (await admin.handle(req, res, path)) return;
      throw new SwitchboardError("method_not_found", `no route for ${req.method} ${path}`);
    } catch (error) {
      if (!res.headersSent) sendRpcError(res, error);
      else res.end();
    }
  };

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const front: HttpFront = {
    server,
    url: `http://${isLoopbackHost(host) || host === "localhost" ? shownHost : host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Keep-alive connections become idle as their last response is sent: close them as they do.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        // Streams (GET) never go idle on their own: end them so close() can finish.
        const force = setTimeout(() => server.closeAllConnections(), settings.shutdownGraceMs);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
        mcp.closeStreams();
      }),
  };
  return front;
}

/** `/mcp` → aggregate; `/mcp/{server}` → that server (404 when unknown); anything else → undefined. */
function mcpEndpoint(path: string, gateway: Gateway): Endpoint | undefined {
  if (path === "/mcp") return { kind: "aggregate" };
  if (!path.startsWith("/mcp/")) return undefined;
  const name = decodePathSegment(path.slice(5));
  if (!gateway.supervisor.has(name))
    throw new SwitchboardError("server_not_found", `no server named "${name}" is configured`);
  return { kind: "server", server: name };
}
