// A ResultMeter that measures in a worker thread. In-process, loading the o200k ranks held the event loop for
// ~2.3 s at the first cut and measuring a 25k-token Japanese result ~0.6 s; here only the items are copied to the
// worker (structured clone) and positions come back. The worker stays for IDLE_MS after its last request, then
// ends and gives back its ~170 MB; the next cut starts a new one.

import type { ContentItem } from "../../services/results/remainder.ts";
import type { CutPlan, ResultMeter, Span } from "../../services/results/result-meter.ts";
import { createWorkerClient, workerEntry } from "../workers/worker-client.ts";

const IDLE_MS = 60_000;

export type MeterRequest =
  | { op: "cut"; units: readonly ContentItem[]; budget: number; marker: string }
  | { op: "page"; items: readonly ContentItem[]; index: number; within: number; pageTokens: number; marker: string };

export function createWorkerResultMeter(options: { idleMs?: number } = {}): ResultMeter & { close(): Promise<void> } {
  const client = createWorkerClient<MeterRequest, CutPlan | Span>(workerEntry("meter-worker", import.meta.url), {
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
