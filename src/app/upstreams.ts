// Wiring of the upstream side: the catalog over the manifest store, the connectors (stdio children recorded in
// the state directory; HTTP loaded at the first remote start) and the supervisor, whose peers hand
// server→client traffic to the inbox.

import { join } from "node:path";
import { createFileChildRegistry } from "../adapters/process/file-child-registry.ts";
import { type ClosableSandbox, createSandbox } from "../adapters/sandbox/create-sandbox.ts";
import { createStdioConnector } from "../adapters/upstream/stdio-connector.ts";
import type { UpstreamOAuth } from "../adapters/upstream/upstream-oauth.ts";
import type { EventBus } from "../core/events.ts";
import type { GatewayConfig } from "../core/gateway-config.ts";
import type { ServerSpec } from "../core/server-spec.ts";
import type { ChildRegistry } from "../ports/child-registry.ts";
import type { Clock } from "../ports/clock.ts";
import type { Connector } from "../ports/connector.ts";
import type { CorrelationScope } from "../ports/correlation-scope.ts";
import type { Logger } from "../ports/logger.ts";
import type { Tracer } from "../ports/tracer.ts";
import { Catalog } from "../services/catalog/catalog.ts";
import { META_TOOL_NAMES } from "../services/discovery/meta-tools.ts";
import type { IntegrityGate } from "../services/integrity/integrity-gate.ts";
import { Supervisor } from "../services/supervisor/supervisor.ts";
import type { UpstreamInbox } from "./inbox.ts";
import type { GatewayState } from "./state.ts";

export interface UpstreamsDeps {
  clock: Clock;
  events: EventBus;
  logger: Logger;
  correlationScope: CorrelationScope;
  tracer: Tracer;
  inbox: UpstreamInbox;
  catalog: Catalog;
  /** The spec a principal's instance of a per-principal server starts with (its credentials put in). */
  instanceSpec: (spec: ServerSpec, principal: string) => Promise<ServerSpec>;
  /** The OAuth client of remote servers with an `oauth` setting; undefined when none has one. */
  oauth?: UpstreamOAuth | undefined;
}

/** The aggregated catalog, read from the manifest store and refreshed by servers as they become ready. */
export function createCatalog(
  config: GatewayConfig,
  state: GatewayState,
  events: EventBus,
  gate?: IntegrityGate,
): Catalog {
  const settings = config.gateway;
  return new Catalog({
    gate,
    specs: config.servers,
    store: state.manifests,
    separator: settings.namespaceSeparator,
    events,
    limits: settings.definitionLimits,
    reservedNames: META_TOOL_NAMES,
  });
}

/**
 * The supervisor of every configured server, the records of the children it runs (for reaping) and the sandbox
 * that wraps the launch of every server with an isolation profile.
 */
export function createUpstreams(
  config: GatewayConfig,
  deps: UpstreamsDeps,
): { supervisor: Supervisor; children: ChildRegistry; sandbox: ClosableSandbox } {
  const { logger, catalog } = deps;
  const children = createFileChildRegistry(config.gateway.stateDir, logger);
  const sandbox = createSandbox({
    logger: logger.child({ component: "sandbox" }),
    // The state directory holds the database and the child records: a server may be given only its servers/ part.
    protectedPaths: [{ path: config.gateway.stateDir, allowInside: join(config.gateway.stateDir, "servers") }],
    events: deps.events,
  });
  const supervisor = new Supervisor(config.servers, {
    connector: createConnector(config, { children, sandbox, oauth: deps.oauth }, logger, deps.tracer),
    clock: deps.clock,
    events: deps.events,
    scope: deps.correlationScope,
    hooksFor: (server, principal) => deps.inbox.hooksFor(server, principal),
    onReady: (server, peer) => void catalog.refresh(server, peer),
    instanceSpec: deps.instanceSpec,
  });
  return { supervisor, children, sandbox };
}

function createConnector(
  config: GatewayConfig,
  { children, sandbox, oauth }: { children: ChildRegistry; sandbox: ClosableSandbox; oauth: UpstreamOAuth | undefined },
  logger: Logger,
  tracer: Tracer,
): Connector {
  const settings = config.gateway;
  const stdio = createStdioConnector({
    logger,
    children,
    sandbox,
    inheritEnv: settings.inheritEnv,
    stderr: settings.upstreamStderr,
    limits: settings.upstreamStdio,
  });
  // The HTTP connector loads the SDK's client transports: only when a remote server is first started.
  let http: Promise<Connector> | undefined;
  return {
    async open(spec, signal) {
      if (spec.transport.kind === "stdio") return stdio.open(spec, signal);
      http ??= import("../adapters/upstream/http-connector.ts").then((m) =>
        m.createHttpConnector(logger, settings.tracing.propagate ? tracer : undefined, oauth),
      );
      return (await http).open(spec, signal);
    },
  };
}
