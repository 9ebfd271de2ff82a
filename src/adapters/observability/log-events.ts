// Turns domain events into log lines: lifecycle at info, failures at warn, calls at debug. Policy events that
// can come once per call (rejections, retries) are debug, so an overload or a flood of clients cannot flood the
// log; a breaker opening and a call timing out are warnings. What the services lose or degrade (audit records,
// a server's lists, semantic ranking) keeps the level it always had.
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
  events.on("definition-reviewed", (review) => {
    const { server, kind, key, outcome, reason, findings } = review;
    const rules = findings.map((f) => f.rule);
    const fields = { server, kind, name: key, outcome, reason, ...(rules.length > 0 ? { rules } : {}) };
    const what = `server ${server}: ${kind} "${key}"`;
    if (outcome === "held") {
      logger.warn(fields, `${what} held for review (${reason}); see switchboard tools diff ${server}/${key}`);
    } else if (outcome === "warned") logger.warn(fields, `${what} changed (${reason}) and served: onChange is warn`);
    else logger.warn(fields, `${what} served with screening findings: ${rules.join(", ")}`);
  });
  events.on("definition-decided", ({ server, kind, key, decision, by, hash }) => {
    logger.info({ server, kind, name: key, decision, by, hash }, `${kind} ${server}/${key}: ${decision} by ${by}`);
  });
  events.on("result-screened", ({ server, tool, rules }) => {
    logger.warn({ server, tool, rules }, `result of ${server}/${tool} flagged by screening: ${rules.join(", ")}`);
  });
  events.on("secret-found", ({ server, tool, where, action, rules }) => {
    logger.warn({ server, tool, where, action, rules }, `secret in the ${where} of ${server}/${tool}: ${action}`);
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
  events.on("auth-checked", (check) => {
    // Refusals are what an attack looks like: counted in metrics, logged at debug so a flood cannot fill the log.
    if (check.outcome === "refused") logger.debug(check, `request refused: ${check.reason}`);
  });
  events.on("sandbox-egress", (decision) => {
    if (decision.allowed) logger.debug(decision, "egress allowed");
    else logger.warn(decision, `egress to ${decision.host}:${decision.port} denied: ${decision.reason}`);
  });
  logSupervision(events, logger);
  logAudit(events, logger);
  logCatalog(events, logger);
  logSemanticIndex(events, logger);
}

/** The audit recorder's losses and recoveries: every record lost or reduced is an error line with its reason. */
function logAudit(events: EventBus, logger: Logger): void {
  events.on("audit-pruned", (fields) => logger.info(fields, "audit records past retention deleted"));
  events.on("audit-prune-failed", ({ error }) => logger.warn({ err: error }, "could not delete old audit records"));
  events.on("audit-dropped", (event) => {
    if (event.cause === "shutdown") {
      logger.error({ lost: event.lost, err: event.error }, "audit records not written before shutdown");
    } else if (event.cause === "unqueueable") {
      const { error, correlationId, dropped } = event;
      logger.error({ err: error, correlationId, dropped }, "audit record dropped: it could not be queued");
    } else {
      logger.error({ dropped: event.dropped, total: event.total }, "audit queue full: oldest records dropped");
    }
  });
  events.on("audit-reduced", (fields) => logger.error(fields, "audit record reduced"));
  events.on("audit-write-failed", ({ error, pending }) =>
    logger.error({ err: error, pending }, "audit write failed; records kept and retried"),
  );
  events.on("audit-recovered", (fields) => logger.info(fields, "audit store reachable again; queued records written"));
}

const CATALOG_FAILURES = {
  refresh: { level: "error", message: "refreshing the server's catalog failed" },
  fetch: { level: "warn", message: "could not read the server's catalog" },
  save: { level: "warn", message: "could not write the manifest to the registry" },
  pins: { level: "error", message: "could not read or write the server's pinned definitions" },
} as const;

function logCatalog(events: EventBus, logger: Logger): void {
  events.on("catalog-failed", ({ server, step, error }) => {
    const { level, message } = CATALOG_FAILURES[step];
    logger[level]({ server, err: error }, message);
  });
}

/** Semantic search degrades to lexical ranking: the first failure is a warning, repeats are debug. */
function logSemanticIndex(events: EventBus, logger: Logger): void {
  const log = (model: string) => logger.child({ component: "semantic-index", model });
  events.on("semantic-failed", ({ model, what, error, repeated }) => {
    if (!repeated) log(model).warn({ err: error }, `${what} failed; tool search stays lexical until it works`);
    else if (logger.isLevelEnabled("debug")) log(model).debug({ err: error }, `${what} failed again`);
  });
  events.on("semantic-recovered", ({ model }) => log(model).info("embedding works again; semantic ranking resumes"));
  events.on("semantic-store-failed", ({ model, op, error }) => {
    const message =
      op === "read"
        ? "reading stored embeddings failed; embedding those tools again"
        : "storing embeddings failed; they are kept in memory only";
    log(model).warn({ err: error }, message);
  });
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

const SESSION_STORE_FAILURES = {
  resolve: "session store unreachable; session treated as unknown",
  put: "session record not stored",
  delete: "session record not deleted",
} as const;
