// Metric family of what replies cost in tokens: results cut by output budgets and the tokens that kept out of
// replies (counted from `result-cut` events), and the tool listings' tokens as last counted (read at scrape time).
import { Counter, Gauge } from "prom-client";
import type { MetricFamilyContext } from "./metric-family.ts";

export function registerTokenMetrics(
  context: MetricFamilyContext,
  listingTokens: () => { full: number; progressive: number } | undefined,
): void {
  const { name } = context;
  const registers = [context.registry];
  const saved = new Counter({
    name: name("result_tokens_saved_total"),
    help: "Estimated tokens of tool results not sent because an output budget cut them (paged with read_result).",
    registers,
  });
  const cut = new Counter({
    name: name("results_cut_total"),
    help: "Tool results cut to fit an output budget.",
    registers,
  });
  context.on("result-cut", ({ totalTokens, shownTokens }) => {
    cut.inc();
    saved.inc(totalTokens - shownTokens);
  });
  new Gauge({
    name: name("tool_listing_tokens"),
    help: "Estimated tokens of the full and the progressive tools/list reply, as last counted (GET /tokens counts).",
    labelNames: ["listing"],
    registers,
    collect() {
      this.reset();
      const tokens = listingTokens();
      if (!tokens) return;
      this.set({ listing: "full" }, tokens.full);
      this.set({ listing: "progressive" }, tokens.progressive);
    },
  });
}
