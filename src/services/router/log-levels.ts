// Per-session log levels over shared upstream connections. Each session gets the log messages at or above its
// own level (`info` until it sets one); each upstream is asked for the most verbose level any session it serves
// wants, so no session's choice widens or narrows what another receives (docs/protocol.md).
import { SwitchboardError } from "../../core/errors.ts";
import { MCP_LOG_LEVELS, type McpLogLevel, severityOf } from "../../core/mcp-log-levels.ts";
import type { DownstreamSession } from "./sessions.ts";

/** The level of a session that never sent logging/setLevel. */
export const DEFAULT_SESSION_LOG_LEVEL: McpLogLevel = "info";

/** Validates logging/setLevel's `level` and records it on the session; `invalid_params` for anything else. */
export function setSessionLogLevel(session: DownstreamSession, level: unknown): void {
  if (severityOf(level) === undefined) {
    throw new SwitchboardError("invalid_params", `level must be one of ${MCP_LOG_LEVELS.join(", ")}`, {
      data: { levels: MCP_LOG_LEVELS },
    });
  }
  session.logLevel = level as McpLogLevel;
}

/** A session's level as a severity: its own when valid (a record from the store may not be), else the default. */
function sessionSeverity(session: DownstreamSession): number {
  return severityOf(session.logLevel) ?? DEFAULT_SEVERITY;
}

const DEFAULT_SEVERITY = severityOf(DEFAULT_SESSION_LOG_LEVEL) as number;

/** Whether a log message at `level` reaches a session (a message without a valid level counts as `info`). */
export function sessionWantsLog(session: DownstreamSession, level: unknown): boolean {
  return (severityOf(level) ?? DEFAULT_SEVERITY) >= sessionSeverity(session);
}

/** For each server, the most verbose level any session it serves wants (`info` when none): what it is asked for. */
export function upstreamLogLevels(sessions: Iterable<DownstreamSession>): (server: string) => McpLogLevel {
  // One pass: sessions on /mcp are served by every server, those on /mcp/{server} by theirs.
  let aggregate = Number.POSITIVE_INFINITY;
  const byServer = new Map<string, number>();
  for (const session of sessions) {
    const severity = sessionSeverity(session);
    const { endpoint } = session;
    if (endpoint.kind === "aggregate") aggregate = Math.min(aggregate, severity);
    else byServer.set(endpoint.server, Math.min(byServer.get(endpoint.server) ?? severity, severity));
  }
  return (server) => {
    const most = Math.min(aggregate, byServer.get(server) ?? Number.POSITIVE_INFINITY);
    return MCP_LOG_LEVELS[most === Number.POSITIVE_INFINITY ? DEFAULT_SEVERITY : most] as McpLogLevel;
  };
}
