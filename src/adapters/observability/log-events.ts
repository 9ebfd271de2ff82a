// Turns domain events into log lines: lifecycle at info, failures at warn, calls at debug. Policy events that
// can come once per call (rejections, retries) are debug, so an overload or a flood of clients cannot flood the
// log; a breaker opening and a call timing out are warnings.
import type { EventBus, ServerProblemKind } from "../../core/events.ts";
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
  events.on("definition-limited", ({ server, list, name, action, reason }) => {
    logger.warn({ server, list, name, action, reason }, `server ${server}: ${list} "${name}" ${action}: ${reason}`);
  });
  events.on("circuit-state", ({ server, from, to }) => {
    const line = `server ${server}: circuit ${from} → ${to}`;
    if (to === "open") logger.warn({ server, from, to }, line);
    else logger.info({ server, from, to }, line);
  });
  events.on("call-timed-out", ({ server, method, timeoutMs, hard }) => {
    const which = hard ? "its hard maximum" : "its timeout";
    logger.warn({ server, method, timeoutMs, hard }, `server ${server}: ${method} ended at ${which} (${timeoutMs} ms)`);
  });
  if (logger.isLevelEnabled("debug")) {
    events.on("call-finished", (call) => logger.debug(call, "call finished"));
    events.on("call-rejected", (event) => logger.debug(event, `call rejected: ${event.kind}`));
    events.on("call-retried", (event) => logger.debug(event, `call retried (attempt ${event.attempt})`));
  }
  logSupervision(events, logger);
}

/** A defect in the supervisor's own work is an error; what a server does wrong is a warning. */
const PROBLEM_LEVELS: Record<ServerProblemKind, "warn" | "error"> = {
  "start-failed": "warn",
  "out-of-resources": "error",
  "eager-start-failed": "warn",
  crashed: "warn",
  "health-check-failed": "warn",
  "timer-failed": "error",
  "close-handler-failed": "error",
};

function logSupervision(events: EventBus, logger: Logger): void {
  events.on("server-problem", ({ server, kind, message, error, failures }) => {
    const fields = {
      server,
      ...(error === undefined ? {} : { err: error }),
      ...(failures === undefined ? {} : { failures }),
    };
    logger[PROBLEM_LEVELS[kind]](fields, message);
  });
  events.on("drain-expired", ({ inFlight }) => {
    logger.warn({ inFlight }, "shutdown grace over; failing calls still in flight");
  });
}
