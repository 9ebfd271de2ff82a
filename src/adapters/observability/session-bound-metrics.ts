// Scrape-time metrics of what clients hold in this replica's memory: sessions held, sessions refused at the cap or
// for opening too fast, and the bytes and evictions of the replay buffers of resumable streams (docs/metrics.md).
import { Counter, Gauge } from "prom-client";
import type { MetricFamilyContext } from "./metric-family.ts";
import { scrapeCounter, scrapeGauge } from "./scrape-metrics.ts";

export interface SessionBoundSources {
  /** Downstream sessions held now. */
  sessions(): number;
  /** Sessions refused so far, by reason (monotonic). */
  sessionsRefused(): { limit: number; rate: number };
  /** Bytes held by recorded stream events, and events evicted by the replica-wide budget (monotonic). */
  replay(): { bytes: number; evicted: number };
}

export function registerSessionBounds({ registry, name }: MetricFamilyContext, sources: SessionBoundSources): void {
  const registers = [registry];
  new Gauge({
    name: name("sessions_active"),
    help: "Downstream client sessions held by this gateway (2025-era sessions with an Mcp-Session-Id).",
    registers,
    collect() {
      this.set(sources.sessions());
    },
  });
  new Counter({
    name: name("sessions_refused_total"),
    help: "Sessions not opened: reason=limit at gateway.limits.maxSessions (503), reason=rate when a client opened them too fast (429).",
    labelNames: ["reason"],
    registers,
    collect() {
      this.reset();
      const refused = sources.sessionsRefused();
      this.inc({ reason: "limit" }, refused.limit);
      this.inc({ reason: "rate" }, refused.rate);
    },
  });
  scrapeGauge(
    registry,
    name("replay_bytes"),
    "Bytes of events recorded for stream resumption across every session of this replica (payload plus bookkeeping).",
    () => sources.replay().bytes,
  );
  scrapeCounter(
    registry,
    name("replay_evictions_total"),
    "Recorded stream events evicted, oldest first, because gateway.limits.maxReplayBytes was reached.",
    () => sources.replay().evicted,
  );
}
