// The HTTP front: one node:http server for the MCP endpoints and the admin API, behind Host/Origin checks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Gateway } from "../../app.ts";
import { SwitchboardError } from "../../core/errors.ts";
import type { Endpoint } from "../../services/router/sessions.ts";
import { createAdminApi } from "./admin-api.ts";
import { createClientKeyOf } from "./client-key.ts";
import { checkOrigin, correlationIdOf, createOriginPolicy, decodePathSegment, isLoopbackHost } from "./guards.ts";
import { createMcpEndpoint } from "./mcp-endpoint.ts";
import { handleMetricsRoute } from "./metrics-route.ts";
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
    rateLimits: gateway.rateLimits && {
      gate: gateway.rateLimits,
      clientKeyOf: createClientKeyOf(settings.rateLimit.clientKey),
    },
    tracer: gateway.tracer,
  });
  // Open connections (for /health) and whether the front is closing (then /health/ready answers 503).
  let connections = 0;
  let closing = false;
  const admin = createAdminApi(gateway, { connections: () => connections, closing: () => closing });

  const route = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    try {
      checkOrigin(req, policy);
      const endpoint = mcpEndpoint(path, gateway);
      if (endpoint) return await mcp.handle(req, res, endpoint);
      if (await handleMetricsRoute(gateway.metrics, req, res, path)) return;
      if (await admin.handle(req, res, path)) return;
      throw new SwitchboardError("method_not_found", `no route for ${req.method} ${path}`);
    } catch (error) {
      if (!res.headersSent) sendRpcError(res, error);
      else res.end();
    }
  };
  // Every reply carries the request's correlation id; logs, audit records and spans of the request share it.
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = (query < 0 ? url : url.slice(0, query)).replace(/\/+$/, "") || "/";
    const requestId = correlationIdOf(req);
    res.setHeader("x-request-id", requestId);
    const { tracer } = gateway;
    // Without tracing, no span name or attributes are built.
    if (!tracer.enabled) return gateway.requestScope.run(requestId, () => route(req, res, path));
    return gateway.requestScope.run(requestId, () =>
      tracer.serverSpan(
        `${req.method} ${path}`,
        req.headers,
        { "http.request.method": req.method, "url.path": path, "switchboard.request_id": requestId },
        async () => {
          await route(req, res, path);
          tracer.annotate({ "http.response.status_code": res.statusCode });
        },
      ),
    );
  };

  // route() answers every error it expects; what escapes it (a throw while sending the error reply, a tracer
  // failure) is logged and the connection dropped, never left to reject with nobody to catch it.
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      gateway.logger.error({ err: error, method: req.method, url: req.url }, "handling an HTTP request failed");
      res.destroy();
    });
  });
  server.on("connection", (socket) => {
    connections++;
    socket.once("close", () => connections--);
  });
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
        closing = true;
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
