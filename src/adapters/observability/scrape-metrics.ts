// Metrics read at scrape time from a running total someone else keeps: a counter set to that total, a gauge set
// to the current value. One shape for every such metric, so each is a name, a help text and where to read it.
import { Counter, Gauge, type Registry } from "prom-client";

/** A counter whose value is `read()` (a monotonic total kept elsewhere) at every scrape. */
export function scrapeCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A gauge whose value is `read()` at every scrape. */
export function scrapeGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
