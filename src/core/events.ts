// Typed domain events. Services emit; observability (logs, later metrics and audit) subscribes.
import type { ServerState, StopReason } from "./server-state.ts";

export interface GatewayEvents {
  "server-state": { server: string; from: ServerState; to: ServerState; reason?: string };
  "server-started": { server: string; pid: number | undefined; durationMs: number; cold: boolean };
  "server-stopped": { server: string; reason: StopReason; detail?: string };
  "server-start-failed": { server: string; error: string; failures: number };
  "catalog-changed": { server: string; kinds: readonly CatalogKind[] };
  "call-finished": { server: string; method: string; durationMs: number; outcome: "ok" | "error"; errorKind?: string };
  /** One per tools/call that reached routing; carries the arguments, so only the audit recorder subscribes. */
  "tool-called": ToolCalled;
}

export interface ToolCalled {
  server: string;
  /** The tool's own name on its server. */
  tool: string;
  arguments: unknown;
  /** Epoch milliseconds. */
  startedAt: number;
  durationMs: number;
  outcome: "ok" | "error";
  /** The gateway error code, `tool_error` for a result with isError, `jsonrpc_error` for a server's error reply. */
  errorKind: string | null;
  correlationId: string;
  principal: string | null;
}

export type CatalogKind = "tools" | "prompts" | "resources";

export type EventName = keyof GatewayEvents;
export type Listener<K extends EventName> = (event: GatewayEvents[K]) => void;

export interface Disposable {
  dispose(): void;
}

export class EventBus {
  private readonly listeners = new Map<EventName, Set<(event: never) => void>>();

  on<K extends EventName>(name: K, listener: Listener<K>): Disposable {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as (event: never) => void);
    return { dispose: () => set.delete(listener as (event: never) => void) };
  }

  emit<K extends EventName>(name: K, event: GatewayEvents[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<K>)(event);
      } catch {
        // A failing subscriber must never break the gateway.
      }
    }
  }
}
