// The composition root's public face: create a gateway, the types fronts and the CLI see of it, and what the
// CLI's commands need without a gateway. Fronts import src/app through this file only.

// `switchboard image build`: a podman image for sandboxed Node servers, built from this host's own files.
export {
  type BuildNodeImageOptions,
  buildNodeImage,
  DEFAULT_NODE_IMAGE,
} from "../adapters/sandbox/image-build.ts";
export { findServerPackage, type ServerPackage } from "../adapters/sandbox/server-package.ts";
export {
  childEnvironment,
  commandLogger,
  type DoctorCheck,
  findExecutable,
  type IdentityStore,
  loadConfigFile,
  openAuditLog,
  openCommandCredentials,
  openCommandReview,
  openIdentityStore,
  runDoctor,
  runDoctorWithoutConfig,
} from "./command-support.ts";
export { createGateway } from "./create-gateway.ts";
export type { DependencyHealth, DependencyStatus, GatewayState } from "./state.ts";
export type { Gateway, GatewayOptions, GatewayPhase } from "./types.ts";
