// Every server's resilience policies, built once at composition: what the router runs each forwarded request
// through, and what the admin API and health report show (circuit state, bulkhead occupancy).
import type { CallDeadline } from "../../core/deadline.ts";
import type { CircuitState, EventBus } from "../../core/events.ts";
import type { JsonRpcRequest } from "../../core/jsonrpc.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { Clock } from "../../ports/clock.ts";
import type { ServerManifest } from "../../ports/manifest-store.ts";
import type { CircuitView } from "./circuit.ts";
import { type RetryMode, ServerPolicy, type ServerPolicyView } from "./server-policy.ts";

const CIRCUIT_SEVERITY: Record<CircuitState, number> = { closed: 0, "half-open": 1, open: 2 };

export interface PoliciesOptions {
  specs: readonly ServerSpec[];
  events: EventBus;
  clock: Clock;
  /** The server's cached manifest, for its tools' annotations (read for trusted servers only). */
  manifest: (server: string) => ServerManifest | undefined;
}

export class Policies {
  private readonly servers = new Map<string, ServerPolicy>();
  /**
   * The policies of each instance of a per-principal server, by server and principal: one principal saturating
   * or breaking its own instance neither queues nor opens the breaker for another.
   */
  private readonly instances = new Map<string, ServerPolicy>();
  private readonly events: EventBus;
  private readonly clock: Clock;
  private readonly manifest: PoliciesOptions["manifest"];
  /** Idempotent tool names per manifest; rebuilt when a server's manifest changes. */
  private readonly idempotentTools = new WeakMap<ServerManifest, ReadonlySet<string>>();

  constructor(options: PoliciesOptions) {
    this.manifest = options.manifest;
    this.events = options.events;
    this.clock = options.clock;
    for (const spec of options.specs)
      this.servers.set(spec.name, new ServerPolicy(spec, options.events, options.clock));
  }

  /**
   * Runs one forwarded request under its server's policies. A request may be retried only when it failed before
   * reaching the server, or when it is a tools/call of an idempotent or read-only tool of a trusted server.
   * `deadline` is the call's hard maximum, counted from the client's call, and its cancellation: queueing,
   * every attempt and the delays between them all fit in it. `principal` names the instance of a per-principal
   * server the call goes to: its bulkhead and circuit breaker are that instance's own.
   */
  run<T>(
    server: string,
    request: JsonRpcRequest,
    deadline: CallDeadline,
    attempt: () => Promise<T>,
    principal?: string,
  ): Promise<T> {
    const policy = principal === undefined ? this.servers.get(server) : this.instancePolicy(server, principal);
    if (!policy) return attempt();
    return policy.run(request.method, this.retryMode(policy.spec, request), deadline, attempt);
  }

  private instancePolicy(server: string, principal: string): ServerPolicy | undefined {
    const key = `${server}\u0000${principal}`;
    let policy = this.instances.get(key);
    if (!policy) {
      const shared = this.servers.get(server);
      if (!shared) return undefined;
      policy = new ServerPolicy(shared.spec, this.events, this.clock);
      this.instances.set(key, policy);
    }
    return policy;
  }

  /** The circuit breaker's state of a server (closed for unknown servers). */
  state(server: string): CircuitView {
    return this.servers.get(server)?.view().circuit ?? { state: "closed" };
  }

  /** The worst breaker state over all servers: `open` > `half-open` > `closed`. */
  worstState(): CircuitState {
    let worst: CircuitState = "closed";
    for (const policy of this.servers.values()) {
      const state = policy.view().circuit.state;
      if (CIRCUIT_SEVERITY[state] > CIRCUIT_SEVERITY[worst]) worst = state;
    }
    return worst;
  }

  view(server: string): ServerPolicyView | undefined {
    return this.servers.get(server)?.view();
  }

  private retryMode(spec: ServerSpec, request: JsonRpcRequest): RetryMode {
    if (!spec.policies.trusted || request.method !== "tools/call") return "undelivered";
    const tool = String(request.params?.name);
    const configured = spec.tools[tool]?.idempotent;
    if (configured !== undefined) return configured ? "idempotent" : "undelivered";
    return this.annotatedIdempotent(spec.name).has(tool) ? "idempotent" : "undelivered";
  }

  /** Tools whose annotations say readOnlyHint or idempotentHint, from the server's current manifest. */
  private annotatedIdempotent(server: string): ReadonlySet<string> {
    const manifest = this.manifest(server);
    if (!manifest) return EMPTY;
    let tools = this.idempotentTools.get(manifest);
    if (!tools) {
      tools = new Set(
        manifest.tools
          .filter((tool) => {
            const hints = tool.annotations as { readOnlyHint?: unknown; idempotentHint?: unknown } | undefined;
            return hints?.readOnlyHint === true || hints?.idempotentHint === true;
          })
          .map((tool) => String(tool.name)),
      );
      this.idempotentTools.set(manifest, tools);
    }
    return tools;
  }
}

const EMPTY: ReadonlySet<string> = new Set();
