// Turns domain events into log lines: lifecycle at info, failures at warn, calls at debug. Policy events that
// can come once per call (rejections, retries) are debug, so an overload or a flood of clients cannot flood the
// log; a breaker opening and a call timing out are warnings.
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
  events.on("request-failed", ({ method, error }) => logger.error({ err: error, method }, "request failed"));
  events.on("request-unsendable", ({ method, message, cause }) => logger.warn({ err: cause, method }, message));
  events.on("request-too-deep", ({ method, maxDepth }) => {
    logger.warn({ method, maxDepth }, "request refused: nested deeper than the limit");
  });
  events.on("session-store-failed", ({ action, error }) => {
    if (action === "revalidate") logger.debug({ err: error }, "session store unreachable; session kept");
    else logger.warn({ err: error }, SESSION_STORE_FAILURES[action]);
  });
  if (logger.isLevelEnabled("debug")) {
    events.on("call-finished", (call) => logger.debug(call, "call finished"));
    events.on("call-rejected", (event) => logger.debug(event, `call rejected: ${event.kind}`));
    events.on("call-retried", (event) => logger.debug(event, `call retried (attempt ${event.attempt})`));
    events.on("log-message-dropped", ({ server, sessions }) => {
      logger.debug({ server, sessions }, "log message not attributable to one session; dropped");
    });
    events.on("notification-dropped", (event) => logger.debug(event, "upstream notification not relayed"));
    events.on("discovery-failed", ({ server, error }) => {
      logger.debug({ server, err: error }, "could not discover the server's catalog");
    });
  }
}

const SESSION_STORE_FAILURES = {
  resolve: "session store unreachable; session treated as unknown",
  put: "session record not stored",
  delete: "session record not deleted",
} as const;
