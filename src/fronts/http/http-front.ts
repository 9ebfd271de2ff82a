// The HTTP front: one node:http server for the MCP endpoints and the admin API, behind Host/Origin checks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isSwitchboardError, SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import type { GatewayConfig } from "../../core/gateway-config.ts";
import { ANONYMOUS, type AuthSettings } from "../../core/identity.ts";
import type { CorrelationScope } from "../../ports/correlation-scope.ts";
import type { Logger } from "../../ports/logger.ts";
import type { MetricsExporter } from "../../ports/metrics.ts";
import type { Tracer } from "../../ports/tracer.ts";
import type { Authenticator } from "../../services/identity/authenticator.ts";
import type { RateLimitGate } from "../../services/policies/rate-limits.ts";
import type { ReplayBudget } from "../../services/router/replay-budget.ts";
import type { Router } from "../../services/router/router.ts";
import type { Endpoint, SessionRegistry } from "../../services/router/sessions.ts";
import type { Supervisor } from "../../services/supervisor/supervisor.ts";
import { type AdminDeps, createAdminApi } from "./admin-api.ts";
import { createAuthGate } from "./auth-gate.ts";
import { createClientKeyOf } from "./client-key.ts";
import { limitConnections } from "./connection-limit.ts";
import {
  checkBindAllowed,
  checkOrigin,
  createOriginPolicy,
  decodePathSegment,
  isLoopbackHost,
  mintCorrelationId,
  readRequestId,
} from "./guards.ts";
import { createMcpEndpoint } from "./mcp-endpoint.ts";
import { handleMetricsRoute } from "./metrics-route.ts";
import { handleOAuthCallback } from "./oauth-callback.ts";
import { sendAdminError, sendJson, sendRpcError } from "./respond.ts";
import { rootDocument } from "./root-document.ts";

/** How long after the shutdown grace the front still lets replies of failed calls go out. */
const REPLY_AFTER_GRACE_MS = 1_000;
export interface HttpFront {
  readonly server: Server;
  /** The bound address, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  close(): Promise<void>;
}

/** What the HTTP front serves: the MCP endpoints (router, sessions), the admin API, metrics. */
export type HttpFrontDeps = AdminDeps & {
  readonly config: Pick<GatewayConfig, "gateway" | "source">;
  readonly logger: Logger;
  readonly correlationScope: CorrelationScope;
  readonly tracer: Tracer;
  readonly router: Router;
  readonly sessions: SessionRegistry;
  readonly replay: ReplayBudget;
  readonly rateLimits: RateLimitGate | undefined;
  readonly metrics: MetricsExporter | undefined;
  readonly supervisor: Pick<Supervisor, "has">;
  /** Client authentication (gateway.auth); undefined: none. */
  readonly auth?:
    | {
        readonly settings: AuthSettings;
        readonly authenticator: Authenticator | undefined;
        readonly events?: EventBus | undefined;
      }
    | undefined;
};

export async function startHttpFront(
  gateway: HttpFrontDeps,
  options: { host?: string; port?: number } = {},
): Promise<HttpFront> {
  const settings = gateway.config.gateway;
  const host = options.host ?? settings.host;
  const port = options.port ?? settings.port;
  const authMode = gateway.auth?.authenticator ? gateway.auth.settings.mode : "none";
  checkBindAllowed(
    host,
    { allowInsecureBind: settings.allowInsecureBind, authMode, publicUrl: gateway.auth?.settings.publicUrl },
    gateway.config.source,
  );
  const policy = createOriginPolicy(host, settings.allowedHosts, settings.allowedOrigins);
  if (!isLoopbackHost(host) && authMode === "none") {
    gateway.logger.warn(
      { host },
      "INSECURE: bound to a non-loopback address with gateway.allowInsecureBind and no authentication " +
        `(gateway.auth.mode none)${policy.hostAllowed ? "" : " and no Host check"}: anyone who can reach this ` +
        "port can call tools, stop servers and read the audit log",
    );
  }
  const mcp = createMcpEndpoint({
    router: gateway.router,
    sessions: gateway.sessions,
    maxBodyBytes: settings.maxBodyBytes,
    replay: gateway.replay,
    clientKeyOf: createClientKeyOf(settings.rateLimit.clientKey),
    rateLimits: gateway.rateLimits,
    tracer: gateway.tracer,
  });
  // Whether the front is closing (then /health/ready answers 503); open connections are counted below.
  let closing = false;
  let limit: ReturnType<typeof limitConnections> | undefined;
  const admin = createAdminApi(gateway, {
    connections: () => limit?.open ?? 0,
    closing: () => closing,
    connectionLimit: () => limit,
  });
  const root = rootDocument();
  let boundUrl = "";
  const gate = gateway.auth
    ? createAuthGate(
        gateway.auth.settings,
        gateway.auth.authenticator,
        () => boundUrl,
        gateway.auth.events,
        settings.rateLimit.clientKey.trustProxyHops,
      )
    : undefined;

  const route = async (req: IncomingMessage, res: ServerResponse, path: string, correlationId: string) => {
    try {
      checkOrigin(req, policy);
      if (gate?.metadata(req, res, path)) return;
      // Authenticated before anything is looked up, so an unauthenticated caller learns nothing (not even which
      // servers exist).
      const principal = gate ? await gate.callerOf(req, path) : undefined;
      if (principal && principal.via !== "none") {
        gateway.tracer.annotate({ "enduser.id": principal.name });
      }
      const endpoint = mcpEndpoint(path, gateway);
      if (endpoint) {
        // A server the principal may not see is answered like one that is not configured (404 before the body).
        if (principal) gateway.router.checkEndpoint(endpoint, principal);
        return await mcp.handle(req, res, endpoint, correlationId, principal);
      }
      const caller = principal ?? ANONYMOUS;
      // Every principal manages its own upstream credentials and OAuth authorizations; the rest is for admins.
      const selfService =
        path === "/credentials" || path.startsWith("/credentials/") || /^\/servers\/[^/]+\/authorize$/.test(path);
      if (!selfService) gate?.requireAdmin(caller, path);
      else if (gate && !gate.isAdmin(caller)) {
        // A server the caller may not see is as unknown here as on its endpoint.
        const named = /^\/(?:credentials|servers)\/([^/]+)\//.exec(path);
        try {
          if (named) {
            gateway.router.checkEndpoint({ kind: "server", server: decodePathSegment(named[1] as string) }, caller);
          }
        } catch (error) {
          return sendAdminError(res, error);
        }
      }
      if (await handleMetricsRoute(gateway.metrics, req, res, path)) return;
      if (await handleOAuthCallback(gateway.upstreamOAuth, req, res, path)) return;
      if (await admin.handle(req, res, path, caller, gate ? gate.isAdmin(caller) : true)) return;
      if (path === "/" && (req.method === "GET" || req.method === "HEAD")) return sendJson(res, 200, root);
      throw new SwitchboardError("method_not_found", `no route for ${req.method} ${path}`);
    } catch (error) {
      if (res.headersSent) return void res.end();
      gate?.challenge(req, res, error, path);
      if (
        !path.startsWith("/mcp") &&
        (isSwitchboardError(error, "unauthenticated") || isSwitchboardError(error, "forbidden"))
      )
        return sendAdminError(res, error);
      // An unknown /mcp/{server} is found before the body is read: read it now so the error carries its id.
      const unknownServer = req.method === "POST" && isSwitchboardError(error, "server_not_found");
      sendRpcError(res, error, unknownServer ? await readRequestId(req, settings.maxBodyBytes) : null);
    }
  };
  // Every reply carries the request's correlation id; logs, audit records and spans of the request share it.
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = (query < 0 ? url : url.slice(0, query)).replace(/\/+$/, "") || "/";
    const requestId = mintCorrelationId(req);
    res.setHeader("x-request-id", requestId);
    const { tracer } = gateway;
    // Without tracing, no span name or attributes are built.
    if (!tracer.enabled) return gateway.correlationScope.run(requestId, () => route(req, res, path, requestId));
    return gateway.correlationScope.run(requestId, () =>
      tracer.serverSpan(
        `${req.method} ${path}`,
        req.headers,
        { "http.request.method": req.method, "url.path": path, "switchboard.request_id": requestId },
        async () => {
          await route(req, res, path, requestId);
          tracer.annotate({ "http.response.status_code": res.statusCode });
        },
      ),
    );
  };

  const { headersTimeoutMs, requestTimeoutMs, maxConnections } = settings.limits;
  // route() answers every error it expects; what escapes it (a throw while sending the error reply, a tracer
  // failure) is logged and the connection dropped, never left to reject with nobody to catch it.
  const server = createServer(
    {
      keepAliveTimeout: 65_000,
      // A request (headers, then body) slower than these gets 408 and its connection is closed.
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // How often node looks for such requests: often enough that a timeout is not overshot by much.
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(headersTimeoutMs / 4))),
    },
    (req, res) => {
      Promise.resolve(handler(req, res)).catch((error: unknown) => {
        gateway.logger.error({ err: error, method: req.method, url: req.url }, "handling an HTTP request failed");
        res.destroy();
      });
    },
  );
  limit = limitConnections(server, maxConnections);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  boundUrl = `http://${isLoopbackHost(host) || host === "localhost" ? shownHost : host}:${address.port}`;
  const front: HttpFront = {
    server,
    url: boundUrl,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        // Keep-alive connections become idle as their last response is sent: close them as they do.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        // Streams (GET) never go idle on their own: end them so close() can finish. The backstop comes a little
        // after the drain's grace, so calls the drain fails at its end still get their error replies.
        const force = setTimeout(() => server.closeAllConnections(), settings.shutdownGraceMs + REPLY_AFTER_GRACE_MS);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
        mcp.closeStreams();
      }),
  };
  gateway.upstreamOAuth?.listening(front.url);
  return front;
}

/** `/mcp` → aggregate; `/mcp/{server}` → that server (404 when unknown); anything else → undefined. */
function mcpEndpoint(path: string, gateway: Pick<HttpFrontDeps, "supervisor">): Endpoint | undefined {
  if (path === "/mcp") return { kind: "aggregate" };
  if (!path.startsWith("/mcp/")) return undefined;
  const name = decodePathSegment(path.slice(5));
  if (!gateway.supervisor.has(name))
    throw new SwitchboardError("server_not_found", `no server named "${name}" is configured`);
  return { kind: "server", server: name };
}
