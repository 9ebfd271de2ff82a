// What `check-config` warns about in a valid configuration: things that will not work at run time although the
// file is well formed — a stdio command that cannot be resolved the way spawn will resolve it, or no server.
import { childEnvironment, findExecutable } from "../../app/index.ts";
import type { GatewayConfig } from "../../core/gateway-config.ts";

export interface ConfigWarning {
  /** JSON path of the setting, as for problems. */
  path: string;
  message: string;
}

export function configWarnings(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): ConfigWarning[] {
  if (config.servers.length === 0) {
    return [{ path: "servers", message: "no servers are configured: the gateway would serve no tools" }];
  }
  const warnings: ConfigWarning[] = [];
  for (const spec of config.servers) {
    const transport = spec.transport;
    if (!spec.enabled || transport.kind !== "stdio") continue;
    const path = childEnvironment(env, config.gateway.inheritEnv, transport.env).PATH;
    const found = findExecutable(transport.command, transport.cwd, path);
    if ("path" in found) continue;
    const searched = transport.command.includes("/") ? "" : `; PATH searched: ${path ?? "(unset)"}`;
    warnings.push({
      path: `servers.${spec.name}.command`,
      message: `cannot be run, the server will not start: ${found.problem}${searched}`,
    });
  }
  return warnings;
}
