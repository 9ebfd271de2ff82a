// Turns domain events into spans: each forwarded request becomes a client span and each server start an
// internal span, both under the span of the request that caused them (events are emitted in its async
// context); policy decisions (retries, timeouts, rejections) become events on the request's span.
import type { EventBus } from "../../core/events.ts";
import type { Tracer } from "../../ports/tracer.ts";

export function subscribeTracing(events: EventBus, tracer: Tracer): void {
  if (!tracer.enabled) return;
  events.on("call-finished", (call) => {
    tracer.record({
      name: call.tool === undefined ? `${call.method} ${call.server}` : `${call.method} ${call.tool}`,
      kind: "client",
      startTime: Date.now() - call.durationMs,
      durationMs: call.durationMs,
      attributes: {
        "switchboard.server": call.server,
        "mcp.method.name": call.method,
        "gen_ai.tool.name": call.tool,
        "switchboard.outcome": call.outcome,
        "error.type": call.errorKind,
      },
      ...(call.outcome === "error" ? { error: call.errorKind ?? "error reply" } : {}),
    });
  });
  events.on("server-started", ({ server, pid, durationMs, cold }) => {
    tracer.record({
      name: `start ${server}`,
      kind: "internal",
      startTime: Date.now() - durationMs,
      durationMs,
      attributes: { "switchboard.server": server, "process.pid": pid, "switchboard.cold_start": cold },
    });
  });
  events.on("server-start-failed", ({ server, error, failures }) => {
    tracer.addEvent("server start failed", { "switchboard.server": server, "error.message": error, failures });
  });
  events.on("call-retried", ({ server, method, attempt, reason }) => {
    tracer.addEvent("call retried", { "switchboard.server": server, "mcp.method.name": method, attempt, reason });
  });
  events.on("call-timed-out", ({ server, method, timeoutMs, hard }) => {
    tracer.addEvent("call timed out", { "switchboard.server": server, "mcp.method.name": method, timeoutMs, hard });
  });
  events.on("call-rejected", ({ server, method, kind, scope }) => {
    tracer.addEvent("call rejected", { "switchboard.server": server, "mcp.method.name": method, kind, scope });
  });
}
