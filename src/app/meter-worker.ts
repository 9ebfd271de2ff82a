// Worker thread entry of the worker result meter: loads the o200k counter here and plans cuts and pages of tool
// results (services/results/result-meter.ts) off the gateway's event loop. It composes an adapter (the counter)
// with a service (the planning), so it lives with the composition root.
import { loadTokenCounter } from "../adapters/tokens/tiktoken-counter.ts";
import { serveRequests } from "../adapters/workers/worker-entry.ts";
import type { MeterRequest } from "../ports/result-meter.ts";
import { planCut, planPage } from "../services/results/result-meter.ts";
import { TextMeter } from "../services/results/text-meter.ts";

let meter: TextMeter | undefined;

serveRequests(async (request: MeterRequest) => {
  meter ??= new TextMeter(await loadTokenCounter());
  if (request.op === "cut") return planCut(meter, request.units, request.budget, request.marker);
  return planPage(meter, request.items, request.index, request.within, request.pageTokens, request.marker);
});
