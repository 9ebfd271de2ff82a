// What the `switchboard` command needs of the adapters and the configuration without a running gateway: the
// configuration file, a logger for one command, the audit log alone, the doctor's checks, and what a stdio
// server would be run with (its environment and its executable). Fronts get these through app/index.ts.
import { createPinoLogger } from "../adapters/observability/pino-logger.ts";
import type { LogLevel } from "../core/gateway-config.ts";
import type { Logger } from "../ports/logger.ts";

export type { DoctorCheck } from "../adapters/doctor/checks.ts";
export { findExecutable } from "../adapters/doctor/executables.ts";
export { runDoctor, runDoctorWithoutConfig } from "../adapters/doctor/run-doctor.ts";
export { childEnvironment } from "../adapters/upstream/child-env.ts";
export { loadConfigFile } from "../config/load.ts";
export { openAuditLog } from "./state.ts";

/** A console logger for one command (human lines on a terminal, JSON otherwise), no log file. */
export function commandLogger(level: LogLevel): Logger {
  return createPinoLogger({ level, json: false });
}
