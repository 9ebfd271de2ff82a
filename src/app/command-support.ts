// What the `switchboard` command needs of the adapters and the configuration without a running gateway: the
// configuration file, a logger for one command, the audit log and the API keys alone, the doctor's checks, and
// what a stdio server would be run with (its environment and its executable). Fronts get these through
// app/index.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DoctorCheck } from "../adapters/doctor/checks.ts";
import { runDoctor as runDoctorChecks } from "../adapters/doctor/run-doctor.ts";
import { defaultSandboxHost } from "../adapters/doctor/sandbox-backends.ts";
import { createPinoLogger } from "../adapters/observability/pino-logger.ts";
import { createSandbox } from "../adapters/sandbox/create-sandbox.ts";
import { EventBus } from "../core/events.ts";
import type { GatewayConfig, LogLevel } from "../core/gateway-config.ts";
import { systemClock } from "../ports/clock.ts";
import type { Logger } from "../ports/logger.ts";
import type { Credentials } from "../services/identity/credentials.ts";
import type { ToolReview } from "../services/integrity/tool-review.ts";
import { openCredentials } from "./credentials.ts";
import { openIntegrity } from "./integrity.ts";
import { openState } from "./state.ts";

export type { DoctorCheck } from "../adapters/doctor/checks.ts";
export { findExecutable } from "../adapters/doctor/executables.ts";
export { runDoctorWithoutConfig } from "../adapters/doctor/run-doctor.ts";
export { childEnvironment } from "../adapters/upstream/child-env.ts";
export { loadConfigFile } from "../config/load.ts";
export { type IdentityStore, openAuditLog, openIdentityStore } from "./state.ts";

/** The credentials service over the store the configuration names, without starting anything (the CLI's local mode). */
export async function openCommandCredentials(
  config: GatewayConfig,
): Promise<{ credentials: Credentials; close(): Promise<void> }> {
  const logger = commandLogger("error");
  const state = await openState(config.gateway, logger);
  return { credentials: openCredentials(config, state, logger), close: () => state.close() };
}

/**
 * The review of held definitions over the stores the configuration names, without starting anything (the CLI's
 * local mode): decisions go to the registry (a running gateway picks them up) and the audit log.
 */
export async function openCommandReview(
  config: GatewayConfig,
): Promise<{ review: ToolReview; close(): Promise<void> }> {
  const state = await openState(config.gateway, commandLogger("error"));
  const { review, gate } = openIntegrity(
    { pins: state.pins, audit: state.audit, events: new EventBus(), clock: systemClock },
    { sync: false },
  );
  return {
    review,
    close: async () => {
      gate.close();
      await state.close();
    },
  };
}

/** A console logger for one command (human lines on a terminal, JSON otherwise), no log file. */
export function commandLogger(level: LogLevel): Logger {
  return createPinoLogger({ level, json: false });
}

/**
 * Doctor's checks, with each sandbox backend tried for real (a trivial sandboxed command, the native launcher
 * compiled): what a server's start would find, not only which programs are on PATH.
 */
export async function runDoctor(config: GatewayConfig): Promise<DoctorCheck[]> {
  // A folder of its own for the launcher it compiles: doctor leaves the state directory as it found it.
  const cacheDir = mkdtempSync(join(tmpdir(), "switchboard-doctor-"));
  const sandbox = createSandbox({ logger: createPinoLogger({ level: "silent", json: false }), cacheDir });
  try {
    return await runDoctorChecks(config, { ...defaultSandboxHost(), tryBackends: () => sandbox.probe() });
  } finally {
    await sandbox.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
