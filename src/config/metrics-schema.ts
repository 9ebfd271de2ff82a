// Configuration of the Prometheus endpoint (`GET /metrics`). Part of the gateway section (schema.ts).
import { z } from "zod";

export const DEFAULT_METRICS_PREFIX = "switchboard_";
export const DEFAULT_MAX_TOOL_LABELS = 200;

export const MetricsSchema = z
  .object({
    enabled: z.boolean().default(true).describe("Serve Prometheus metrics at GET /metrics; default true."),
    processMetrics: z
      .boolean()
      .default(true)
      .describe("Include the Node process metrics (CPU, memory, event loop, GC, handles); default true."),
    prefix: z
      .string()
      .regex(/^([A-Za-z_][A-Za-z0-9_]*)?$/, "a metric name prefix: letters, digits and _, not starting with a digit")
      .default(DEFAULT_METRICS_PREFIX)
      .describe(
        "Prefix of the gateway's metric names (not of the process metrics); default switchboard_. The dashboards and alert rules under deploy/ assume the default.",
      ),
    maxToolsPerServer: z
      .number()
      .int()
      .min(0)
      .default(DEFAULT_MAX_TOOL_LABELS)
      .describe(
        "Distinct `tool` label values per server; further tools (and tools not in the catalog) are counted as `_other`; default 200.",
      ),
  })
  .strict()
  .describe("Prometheus metrics: calls by server, tool, method and status; upstream lifecycle; cache; tokens.");
