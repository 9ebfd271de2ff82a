// Wiring of per-principal credentials: the secret store (the state's when it has one, else this process's
// memory), the box that seals values (its key from SWITCHBOARD_SECRET_KEY, gateway.secrets.keyFile or a key file
// created in the state directory) and the credentials service over both.
import { join } from "node:path";
import { createSecretBox, loadSecretKey, type SecretBox } from "../adapters/secrets/secret-box.ts";
import type { EventBus } from "../core/events.ts";
import type { GatewayConfig } from "../core/gateway-config.ts";
import type { Logger } from "../ports/logger.ts";
import { Credentials } from "../services/identity/credentials.ts";
import type { GatewayState } from "./state.ts";

export interface CredentialsSources {
  /** SWITCHBOARD_SECRET_KEY (default: this process's environment). */
  envKey?: string | undefined;
  /** Where stored and deleted values are announced (the supervisor stops the instance that runs with the old one). */
  events?: EventBus;
}

/**
 * The credentials service. The key is loaded now when a server declares credential slots (a bad key fails the
 * start, not the first call), else at first use, so a gateway without such servers never creates a key file.
 */
export function openCredentials(
  config: GatewayConfig,
  state: GatewayState,
  logger: Logger,
  sources: CredentialsSources = {},
): Credentials {
  const settings = config.gateway;
  const store = state.secrets;
  let box: SecretBox | undefined;
  const sealer = (): SecretBox => {
    if (box) return box;
    const { key, from } = loadSecretKey({
      envKey: "envKey" in sources ? sources.envKey : process.env.SWITCHBOARD_SECRET_KEY,
      keyFile: settings.secrets.keyFile,
      fallbackFile: join(settings.stateDir, "secret.key"),
    });
    if (from === "created" || from === "state") {
      logger.warn(
        { keyFile: join(settings.stateDir, "secret.key") },
        "stored credentials are sealed with a key kept in the state directory, beside the data it protects; in production set SWITCHBOARD_SECRET_KEY (openssl rand -hex 32)",
      );
    }
    box = createSecretBox(key);
    return box;
  };
  if (config.servers.some((s) => s.credentials !== undefined)) sealer();
  return new Credentials({
    store,
    sealer: { seal: (value, key) => sealer().seal(value, key), open: (sealed, key) => sealer().open(sealed, key) },
    spec: (server) => config.servers.find((s) => s.name === server),
    ...(sources.events ? { events: sources.events } : {}),
  });
}
