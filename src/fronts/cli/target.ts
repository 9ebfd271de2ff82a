// What `servers` and `tools` commands talk to: a running gateway over HTTP (--url), or a gateway built
// in-process from the configuration (started servers are stopped again when the command ends).
import { randomUUID } from "node:crypto";
import { commandLogger, createGateway, type Gateway } from "../../app/index.ts";
import { SwitchboardError } from "../../core/errors.ts";
import type { GatewayConfig } from "../../core/gateway-config.ts";
import type { JsonRpcResponse } from "../../core/jsonrpc.ts";
import type { ServerStatus } from "../../services/supervisor/server-supervisor.ts";
import { replyJson } from "../shared/reply-encoder.ts";
import type { CliArgs } from "./args.ts";
import { loadCliConfig } from "./config-source.ts";
import { authHint, remoteHeaders } from "./remote-auth.ts";

export type ServerRow = ServerStatus & {
  tools: number | null;
  /** How long the start took, for a start made by this command. */
  readyInMs?: number;
};

export interface Target {
  /**
   * `local`: a gateway built in-process for this one command, so a server it starts is stopped again when the
   * command ends; `remote`: a running gateway (--url).
   */
  readonly kind: "local" | "remote";
  servers(): Promise<ServerRow[]>;
  start(name: string): Promise<ServerRow>;
  stop(name: string): Promise<ServerRow>;
  /** One JSON-RPC request on the aggregated endpoint or on `/mcp/{server}`. */
  rpc(method: string, params: Record<string, unknown>, server?: string): Promise<JsonRpcResponse>;
  close(): Promise<void>;
}

export async function openTarget(args: CliArgs): Promise<Target> {
  const url = args.url ?? process.env.SWITCHBOARD_URL;
  return url ? remoteTarget(url) : localTarget(args);
}

function remoteTarget(base: string): Target {
  const call = async (path: string, init?: RequestInit) => {
    let response: Response;
    try {
      response = await fetch(new URL(path, base), {
        ...init,
        headers: remoteHeaders((init?.headers ?? {}) as Record<string, string>),
      });
    } catch (error) {
      throw new SwitchboardError(
        "upstream_unavailable",
        `cannot reach the gateway at ${base}: ${(error as Error).cause ?? error}`,
      );
    }
    const body = (await response.json()) as Record<string, unknown>;
    if (!response.ok && !("jsonrpc" in body)) {
      throw new SwitchboardError(
        "internal",
        String(body.message ?? `HTTP ${response.status}`) + authHint(response.status),
      );
    }
    return body;
  };
  let id = 0;
  return {
    kind: "remote",
    servers: async () => (await call("/servers")) as unknown as ServerRow[],
    start: async (name) =>
      (await call(`/servers/${encodeURIComponent(name)}/start`, { method: "POST" })).server as ServerRow,
    stop: async (name) =>
      (await call(`/servers/${encodeURIComponent(name)}/stop`, { method: "POST" })).server as ServerRow,
    rpc: async (method, params, server) =>
      (await call(server ? `/mcp/${encodeURIComponent(server)}` : "/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
      })) as unknown as JsonRpcResponse,
    close: async () => {},
  };
}

async function localTarget(args: CliArgs): Promise<Target> {
  const config = completeListings(loadCliConfig(args));
  const logger = commandLogger((args.logLevel as "warn" | undefined) ?? "warn");
  const gateway: Gateway = await createGateway(config, { logger });
  await gateway.start();
  const row = (name: string): ServerRow => ({
    ...gateway.supervisor.get(name).status(),
    tools: gateway.catalog.manifest(name)?.tools.length ?? null,
  });
  const readyInMs = new Map<string, number>();
  gateway.events.on("server-started", ({ server, durationMs }) => readyInMs.set(server, durationMs));
  let id = 0;
  return {
    kind: "local",
    servers: async () => gateway.supervisor.all().map((s) => row(s.spec.name)),
    start: async (name) => {
      await gateway.supervisor.get(name).start();
      await gateway.catalog.settled(name);
      const ms = readyInMs.get(name);
      return ms === undefined ? row(name) : { ...row(name), readyInMs: ms };
    },
    stop: async (name) => {
      await gateway.supervisor.get(name).stop("requested");
      return row(name);
    },
    rpc: async (method, params, server) => {
      const session = gateway.sessions.create(server ? { kind: "server", server } : { kind: "aggregate" }, {
        ephemeral: true,
      });
      const request = { jsonrpc: "2.0" as const, id: ++id, method, params };
      const ctx = { session, correlationId: randomUUID(), controller: new AbortController(), send: () => false };
      return JSON.parse(replyJson(request.id, await gateway.router.handle(request, ctx))) as JsonRpcResponse;
    },
    close: () => gateway.close(),
  };
}

/**
 * A one-shot command has nobody to send list_changed to: its listing waits for every server being discovered
 * as long as a start may take, instead of answering early without the slow ones.
 */
function completeListings(config: GatewayConfig): GatewayConfig {
  const listWaitMs = Math.max(config.gateway.discovery.listWaitMs, ...config.servers.map((s) => s.startTimeoutMs));
  return { ...config, gateway: { ...config.gateway, discovery: { ...config.gateway.discovery, listWaitMs } } };
}
