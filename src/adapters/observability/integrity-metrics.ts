// Metric family of tool integrity: definitions held for review, changed under `warn` or flagged by screening;
// operators' decisions; screening findings in results; secrets redacted or blocked. All from events.
import { eventCounter, type MetricFamilyContext } from "./metric-family.ts";

export function registerIntegrityMetrics(context: MetricFamilyContext): void {
  const { serverLabel } = context;
  const reviewed = eventCounter(
    context,
    "definitions_reviewed_total",
    "Definitions (tools, prompts, resource templates) the integrity gate held for review, let through changed under onChange warn, or let through flagged by screening; by reason (new, changed, identity, renamed, screening).",
    ["server", "kind", "outcome", "reason"],
  );
  const decided = eventCounter(
    context,
    "definitions_decided_total",
    "Held definitions approved or rejected by an operator.",
    ["server", "decision"],
  );
  const screened = eventCounter(
    context,
    "results_screened_total",
    "Tool results in which screening found content aimed at the model, by rule.",
    ["server", "rule"],
  );
  const secrets = eventCounter(
    context,
    "secrets_found_total",
    "Secrets found in call arguments or tool results, and what was done (redact, block).",
    ["server", "where", "action"],
  );
  for (const server of context.servers) {
    reviewed.inc({ server, kind: "tool", outcome: "held", reason: "changed" }, 0);
    decided.inc({ server, decision: "approve" }, 0);
  }
  context.on("definition-reviewed", ({ server, kind, outcome, reason }) =>
    reviewed.inc({ server: serverLabel(server), kind, outcome, reason }),
  );
  context.on("definition-decided", ({ server, decision }) => decided.inc({ server: serverLabel(server), decision }));
  context.on("result-screened", ({ server, rules }) => {
    for (const rule of new Set(rules)) screened.inc({ server: serverLabel(server), rule });
  });
  context.on("secret-found", ({ server, where, action }) =>
    secrets.inc({ server: serverLabel(server), where, action }),
  );
}
