// GET /metrics: the Prometheus text exposition of the gateway's metrics (when `gateway.metrics.enabled`).
import type { IncomingMessage, ServerResponse } from "node:http";
import { SwitchboardError } from "../../core/errors.ts";
import type { MetricsExporter } from "../../ports/metrics.ts";

/** Returns false when the path is not /metrics or metrics are disabled (the caller answers 404). */
export async function handleMetricsRoute(
  metrics: MetricsExporter | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  if (path !== "/metrics" || !metrics) return false;
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    throw new SwitchboardError("method_not_allowed", `${req.method} is not allowed on /metrics`);
  }
  const body = await metrics.render();
  res.writeHead(200, {
    "content-type": metrics.contentType,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(req.method === "HEAD" ? undefined : body);
  return true;
}
