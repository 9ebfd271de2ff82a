// The normalized, frozen configuration of a gateway: what app.ts composes a running gateway from.
import type { ServerSpec } from "./server-spec.ts";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface GatewaySettings {
  host: string;
  port: number;
  /** Absolute path of the state directory (manifest cache, child records). */
  stateDir: string;
  namespaceSeparator: string;
  maxBodyBytes: number;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  shutdownGraceMs: number;
  sessionIdleTimeoutMs: number;
  logLevel: LogLevel;
  jsonLogs: boolean;
  inheritEnv: readonly string[];
}

export interface GatewayConfig {
  /** Absolute path of the file it came from, if any. */
  source: string | undefined;
  gateway: GatewaySettings;
  /** Enabled and disabled servers, in file order. */
  servers: readonly ServerSpec[];
}

export interface ConfigProblem {
  /** Dotted JSON path of the offending value, e.g. `servers.memory.idleTimeoutMs`. */
  path: string;
  message: string;
}
