// The policy part of a server's admin view: circuit breaker state and bulkhead occupancy (GET /servers).
import type { Gateway } from "../../app/index.ts";

export function policyView(gateway: Gateway, server: string) {
  const view = gateway.policies.view(server);
  return { circuit: view?.circuit ?? { state: "closed" }, bulkhead: view?.bulkhead ?? null };
}
