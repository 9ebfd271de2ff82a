// The composition root's public face: create a gateway, and the types fronts and the CLI see of it.

export { createGateway } from "./create-gateway.ts";
export type { Gateway, GatewayOptions, GatewayPhase } from "./types.ts";
