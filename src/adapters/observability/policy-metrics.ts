// Metric family of the resilience policies: circuit breaker state (read at scrape time) and openings, calls
// rejected (breaker, bulkhead, rate limits), retries and timeouts.
import { Gauge } from "prom-client";
import { CIRCUIT_STATES, type CircuitState } from "../../core/events.ts";
import { eventCounter, type MetricFamilyContext } from "./metric-family.ts";
import { methodLabel } from "./metric-labels.ts";

export function registerPolicyMetrics(context: MetricFamilyContext, circuit: (server: string) => CircuitState): void {
  const { name, serverLabel, servers } = context;
  const registers = [context.registry];
  new Gauge({
    name: name("circuit_state"),
    help: "Circuit breaker state per server: 1 for the current state (closed, open, half-open), 0 for the others.",
    labelNames: ["server", "state"],
    registers,
    collect() {
      this.reset();
      for (const server of servers) {
        const current = circuit(server);
        for (const state of CIRCUIT_STATES) this.set({ server, state }, state === current ? 1 : 0);
      }
    },
  });
  const opened = eventCounter(context, "circuit_opened_total", "Times a server's circuit breaker opened.", ["server"]);
  const rejected = eventCounter(
    context,
    "calls_rejected_total",
    "Calls refused before reaching a server, by kind (circuit_open, overloaded = bulkhead full, rate_limited) and scope (client, global; empty otherwise).",
    ["server", "kind", "scope"],
  );
  const retries = eventCounter(
    context,
    "call_retries_total",
    "Requests sent again after a failure that happened before they reached the server.",
    ["server", "method"],
  );
  const timeouts = eventCounter(
    context,
    "call_timeouts_total",
    "Calls ended by their timeout (hard: the maximum that holds even while progress arrives).",
    ["server", "method", "hard"],
  );
  const egress = eventCounter(
    context,
    "sandbox_egress_total",
    "Connections of sandboxed servers through the egress proxy (network: allow), by decision (allowed, denied) and reason of a denial (not_listed, unresolved, loopback, private, metadata, …).",
    ["server", "decision", "reason"],
  );
  context.on("sandbox-egress", ({ server, allowed, reason }) =>
    egress.inc({ server: serverLabel(server), decision: allowed ? "allowed" : "denied", reason: reason ?? "" }),
  );
  const auth = eventCounter(
    context,
    "auth_requests_total",
    "Requests whose credential was checked, by how (apiKey, jwt, oauth), outcome (accepted, refused) and reason of a refusal (missing, invalid_request, invalid_token, insufficient_scope, not_admin). Principals are not labels.",
    ["via", "outcome", "reason"],
  );
  context.on("auth-checked", ({ via, outcome, reason }) => auth.inc({ via, outcome, reason: reason ?? "" }));
  for (const server of servers) {
    opened.inc({ server }, 0);
    timeouts.inc({ server, method: "tools/call", hard: "false" }, 0);
  }
  context.on("circuit-state", ({ server, to }) => {
    if (to === "open") opened.inc({ server: serverLabel(server) });
  });
  context.on("call-rejected", ({ server, kind, scope }) =>
    rejected.inc({ server: serverLabel(server), kind, scope: scope ?? "" }),
  );
  context.on("call-retried", ({ server, method }) =>
    retries.inc({ server: serverLabel(server), method: methodLabel(method) }),
  );
  context.on("call-timed-out", ({ server, method, hard }) =>
    timeouts.inc({ server: serverLabel(server), method: methodLabel(method), hard: String(hard) }),
  );
}
