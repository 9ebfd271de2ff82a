// The composition root's public face: create a gateway, the types fronts and the CLI see of it, and what the
// CLI's commands need without a gateway. Fronts import src/app through this file only.

export {
  childEnvironment,
  commandLogger,
  type DoctorCheck,
  findExecutable,
  loadConfigFile,
  openAuditLog,
  runDoctor,
  runDoctorWithoutConfig,
} from "./command-support.ts";
export { createGateway } from "./create-gateway.ts";
export type { DependencyHealth, DependencyStatus, GatewayState } from "./state.ts";
export type { Gateway, GatewayOptions, GatewayPhase } from "./types.ts";
