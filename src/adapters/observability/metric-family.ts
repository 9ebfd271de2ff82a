// What every metric family module is given: the gateway's registry, its naming and server labels, and a way to
// subscribe to events that ends with the metrics (PromMetrics.close disposes every subscription).
import { Counter, type Registry } from "prom-client";
import type { EventName, Listener } from "../../core/events.ts";

export interface MetricFamilyContext {
  registry: Registry;
  /** The metric's full name: `metrics.prefix` followed by the base name. */
  name(base: string): string;
  /** Configured server names (the bounded `server` label set). */
  servers: readonly string[];
  /** The `server` label of an event: the name when configured, `_other` when not, empty when none is named. */
  serverLabel(server: string | undefined): string;
  /** Subscribes until the metrics close. */
  on<K extends EventName>(event: K, listener: Listener<K>): void;
}

/** A counter of the family, with labels, that events increment. */
export function eventCounter(
  context: MetricFamilyContext,
  base: string,
  help: string,
  labelNames: readonly string[],
): Counter<string> {
  return new Counter({ name: context.name(base), help, labelNames, registers: [context.registry] });
}
