// The instances of one per-principal server: one ServerSupervisor (process or connection, idle timer, health
// checks, bulkhead) per principal, created at that principal's first call and kept in least-recently-used order.
// At most `maxInstances` exist; making room stops the least recently used idle one, and when every one is busy
// the new principal's call is refused as overloaded.
import { SwitchboardError } from "../../core/errors.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { ServerSupervisor } from "./server-supervisor.ts";

/** What `/servers/{name}` shows of one instance (never a credential). */
export interface InstanceStatus {
  principal: string;
  status: ServerSupervisor["currentState"];
  pid: number | null;
  inFlight: number;
  lastActivity: string | null;
}

export class PrincipalInstances {
  private readonly spec: ServerSpec;
  private readonly create: (principal: string) => ServerSupervisor;
  /** By principal name; Map order is recency (re-inserted on every use), the first entry the least recent. */
  private readonly instances = new Map<string, ServerSupervisor>();
  /** Instances stopped to make room, until their stop has finished (the drain waits for them). */
  private readonly evicting = new Set<Promise<void>>();
  private readonly onEvict: ((principal: string) => void) | undefined;

  constructor(
    spec: ServerSpec,
    create: (principal: string) => ServerSupervisor,
    onEvict?: (principal: string) => void,
  ) {
    this.spec = spec;
    this.create = create;
    this.onEvict = onEvict;
  }

  /** The principal's instance, created (not started) when it has none. */
  get(principal: string): ServerSupervisor {
    let instance = this.instances.get(principal);
    if (instance) {
      this.instances.delete(principal);
    } else {
      this.makeRoom();
      instance = this.create(principal);
    }
    this.instances.set(principal, instance);
    return instance;
  }

  all(): ServerSupervisor[] {
    return [...this.instances.values()];
  }

  statuses(): InstanceStatus[] {
    return [...this.instances.entries()].map(([principal, s]) => {
      const { status, pid, inFlight, lastActivity } = s.status();
      return { principal, status, pid, inFlight, lastActivity };
    });
  }

  /** Stops every instance (after the supervisor's drain) and waits for evicted ones still stopping. */
  async close(): Promise<void> {
    await Promise.all([...this.all().map((s) => s.close()), ...this.evicting]);
  }

  private makeRoom(): void {
    const max = this.spec.maxInstances ?? Number.POSITIVE_INFINITY;
    if (this.instances.size < max) return;
    for (const [principal, instance] of this.instances) {
      const state = instance.currentState;
      if (instance.callsInFlight > 0 || state === "starting" || state === "stopping") continue;
      this.instances.delete(principal);
      const stopping = instance.close().catch(() => {});
      this.evicting.add(stopping);
      void stopping.finally(() => this.evicting.delete(stopping));
      this.onEvict?.(principal);
      return;
    }
    throw new SwitchboardError(
      "overloaded",
      `server ${this.spec.name} already runs its maximum of ${max} per-principal instances, all busy; try again shortly`,
      { data: { server: this.spec.name, maxInstances: max } },
    );
  }
}
