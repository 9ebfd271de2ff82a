// Worker thread entry of the worker result meter: loads the o200k counter here and plans cuts and pages of tool
// results (services/results/result-meter.ts) off the gateway's event loop.
import { planCut, planPage } from "../../services/results/result-meter.ts";
import { TextMeter } from "../../services/results/text-meter.ts";
import { serveRequests } from "../workers/worker-entry.ts";
import { loadTokenCounter } from "./tiktoken-counter.ts";
import type { MeterRequest } from "./worker-result-meter.ts";

let meter: TextMeter | undefined;

serveRequests(async (request: MeterRequest) => {
  meter ??= new TextMeter(await loadTokenCounter());
  if (request.op === "cut") return planCut(meter, request.units, request.budget, request.marker);
  return planPage(meter, request.items, request.index, request.within, request.pageTokens, request.marker);
});
