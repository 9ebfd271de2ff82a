// Turns domain events into log lines: lifecycle at info, failures at warn, calls at debug.
import type { EventBus } from "../../core/events.ts";
import type { Logger } from "../../ports/logger.ts";

export function subscribeLogging(events: EventBus, logger: Logger): void {
  events.on("server-state", ({ server, from, to, reason }) => {
    logger.info({ server, from, to, ...(reason ? { reason } : {}) }, `server ${server}: ${from} → ${to}`);
  });
  events.on("server-started", ({ server, pid, durationMs }) => {
    logger.info({ server, pid, durationMs }, `server ${server} ready in ${durationMs} ms`);
  });
  events.on("server-stopped", ({ server, reason, detail }) => {
    logger.info({ server, reason, ...(detail ? { detail } : {}) }, `server ${server} stopped (${reason})`);
  });
  events.on("catalog-changed", ({ server, kinds }) => {
    logger.info({ server, kinds }, `catalog of ${server} changed: ${kinds.join(", ")}`);
  });
  if (logger.isLevelEnabled("debug")) {
    events.on("call-finished", (call) => logger.debug(call, "call finished"));
  }
}
