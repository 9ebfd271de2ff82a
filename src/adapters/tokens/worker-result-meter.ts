// A ResultMeter that measures in a worker thread. In-process, loading the o200k ranks held the event loop for
// ~2.3 s at the first cut and measuring a 25k-token Japanese result ~0.6 s; here only the items are copied to the
// worker (structured clone) and positions come back. The worker stays for IDLE_MS after its last request, then
// ends and gives back its ~170 MB; the next cut starts a new one. The worker's entry (which answers MeterRequests
// with the planning of services/results) is given by the composition root.

import type { CutPlan, MeterRequest, ResultMeter, Span } from "../../ports/result-meter.ts";
import { createWorkerClient } from "../workers/worker-client.ts";

const IDLE_MS = 60_000;

export function createWorkerResultMeter(options: {
  entry: URL;
  idleMs?: number;
}): ResultMeter & { close(): Promise<void> } {
  const client = createWorkerClient<MeterRequest, CutPlan | Span>(options.entry, {
    name: "result meter",
    idleMs: options.idleMs ?? IDLE_MS,
  });
  return {
    planCut: (units, budget, marker) => client.request({ op: "cut", units, budget, marker }) as Promise<CutPlan>,
    planPage: (items, index, within, pageTokens, marker) =>
      client.request({ op: "page", items, index, within, pageTokens, marker }) as Promise<Span>,
    close: () => client.close(),
  };
}
