// The log levels of MCP's logging (RFC 5424 severities), least to most severe: the only values logging/setLevel
// and a 2026-era envelope's logLevel may carry.

export type McpLogLevel = "debug" | "info" | "notice" | "warning" | "error" | "critical" | "alert" | "emergency";

export const MCP_LOG_LEVELS: readonly McpLogLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];

/** Own-property lookup (never the prototype chain: `__proto__` or `constructor` are not levels). */
const SEVERITY: ReadonlyMap<string, number> = new Map(MCP_LOG_LEVELS.map((level, index) => [level, index]));

export function isMcpLogLevel(value: unknown): value is McpLogLevel {
  return typeof value === "string" && SEVERITY.has(value);
}

/** 0 (debug) … 7 (emergency); undefined for anything that is not a level. */
export function severityOf(level: unknown): number | undefined {
  return typeof level === "string" ? SEVERITY.get(level) : undefined;
}
