// Scrape-time metrics of the audit log: a call without a record (dropped) or with a reduced one must never go
// unseen (docs/metrics.md; the SwitchboardAuditRecordsLost alert reads the dropped count).
import type { MetricFamilyContext } from "./metric-family.ts";
import { scrapeCounter, scrapeGauge } from "./scrape-metrics.ts";

export interface AuditCounts {
  pending: number;
  written: number;
  reduced: number;
  dropped: number;
  writeFailures: number;
}

export function registerAuditMetrics({ registry, name }: MetricFamilyContext, audit: () => AuditCounts): void {
  const counter = (metric: string, help: string, pick: (counts: AuditCounts) => number) =>
    scrapeCounter(registry, name(metric), help, () => pick(audit()));
  counter("audit_records_written_total", "Audit records stored (reduced ones included).", (c) => c.written);
  counter(
    "audit_records_reduced_total",
    "Audit records stored in a reduced form: the arguments could not be hashed or the store refused the full record.",
    (c) => c.reduced,
  );
  counter(
    "audit_records_dropped_total",
    "Tool calls left without an audit record: queue overflow while the store was down, a record that could not be built, or shutdown before the write.",
    (c) => c.dropped,
  );
  counter(
    "audit_write_failures_total",
    "Failed audit write attempts (the records stay queued and are retried).",
    (c) => c.writeFailures,
  );
  scrapeGauge(
    registry,
    name("audit_records_pending"),
    "Audit records accepted but not yet stored.",
    () => audit().pending,
  );
}
