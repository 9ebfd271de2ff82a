// The policy part of a server's admin view: circuit breaker state and bulkhead occupancy (GET /servers).
import type { Policies } from "../../services/policies/policies.ts";

export function policyView(policies: Pick<Policies, "view">, server: string) {
  const view = policies.view(server);
  return { circuit: view?.circuit ?? { state: "closed" }, bulkhead: view?.bulkhead ?? null };
}
