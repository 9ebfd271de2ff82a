// Wiring of the gateway's OAuth client for remote servers: only when a server has an `oauth` setting (the SDK's
// OAuth code and the secret key are then loaded). Tokens are sealed with SWITCHBOARD_SECRET_KEY, or with a key
// created in the state directory (laptop default), and kept in the given SecretStore (memory by default).
import { join } from "node:path";
import { createSecretBox, loadSecretKey } from "../adapters/secrets/secret-box.ts";
import { createMemorySecretStore } from "../adapters/storage/memory-secret-store.ts";
import type { UpstreamOAuth } from "../adapters/upstream/upstream-oauth.ts";
import type { GatewayConfig } from "../core/gateway-config.ts";
import type { Logger } from "../ports/logger.ts";
import type { SecretStore } from "../ports/secret-store.ts";

export interface UpstreamOAuthWiring {
  logger: Logger;
  now: () => number;
  /** Where sealed tokens live; default in memory (lost at restart). */
  secretStore?: SecretStore | undefined;
  /** The gateway's public base URL, when configured. */
  publicUrl?: string | undefined;
}

export async function openUpstreamOAuth(
  config: GatewayConfig,
  wiring: UpstreamOAuthWiring,
): Promise<UpstreamOAuth | undefined> {
  if (!config.servers.some((spec) => spec.oauth)) return undefined;
  const settings = config.gateway;
  const { key, from } = loadSecretKey({
    envKey: process.env.SWITCHBOARD_SECRET_KEY,
    keyFile: settings.secrets.keyFile,
    fallbackFile: join(settings.stateDir, "secret.key"),
  });
  if (from === "created" || from === "state") {
    wiring.logger.warn(
      { keyFile: join(settings.stateDir, "secret.key") },
      "OAuth tokens of remote servers are sealed with a key kept in the state directory; set SWITCHBOARD_SECRET_KEY in production",
    );
  }
  const { createUpstreamOAuth } = await import("../adapters/upstream/upstream-oauth.ts");
  return createUpstreamOAuth({
    servers: config.servers,
    store: wiring.secretStore ?? createMemorySecretStore(wiring.now),
    box: createSecretBox(key),
    logger: wiring.logger.child({ component: "upstream-oauth" }),
    now: wiring.now,
    publicUrl: wiring.publicUrl,
    configuredUrl: settings.port > 0 ? `http://${hostForUrl(settings.host)}:${settings.port}` : undefined,
  });
}

function hostForUrl(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}
