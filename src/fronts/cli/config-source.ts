// Finds and loads the configuration for a CLI command: --config, then MCP_CONFIG_PATH, then ./switchboard.json.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfigFile } from "../../app/index.ts";
import type { GatewayConfig, LogLevel } from "../../core/gateway-config.ts";
import { type CliArgs, UsageError } from "./args.ts";

export function configPath(args: CliArgs, env = process.env): string {
  const path = args.config ?? env.MCP_CONFIG_PATH ?? (existsSync("switchboard.json") ? "switchboard.json" : undefined);
  if (!path)
    throw new UsageError("no configuration: pass --config FILE, set MCP_CONFIG_PATH, or create ./switchboard.json");
  return resolve(path);
}

export function loadCliConfig(args: CliArgs): GatewayConfig {
  return loadConfigFile(configPath(args), {
    overrides: {
      host: args.host,
      port: args.port,
      stateDir: args.stateDir === undefined ? undefined : resolve(args.stateDir),
      logLevel: args.logLevel as LogLevel | undefined,
      allowInsecureBind: args.insecureBind ? true : undefined,
    },
  });
}
