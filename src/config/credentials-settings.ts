// Normalizes credential slots (exactly one target, matching the server's transport) and gateway.secrets.
import { resolve } from "node:path";
import type { ConfigProblem, SecretsSettings } from "../core/gateway-config.ts";
import type { CredentialSlot, ServerSpec, TransportSpec } from "../core/server-spec.ts";
import type { ServerEntry } from "./server-schema.ts";

export function normalizeCredentials(
  entry: ServerEntry,
  transport: TransportSpec,
  path: string,
  problems: ConfigProblem[],
): Readonly<Record<string, CredentialSlot>> | undefined {
  if (!entry.credentials) {
    if (entry.maxInstances !== undefined)
      problems.push({ path: `${path}.maxInstances`, message: "`maxInstances` applies to servers with `credentials`" });
    return undefined;
  }
  const slots: Record<string, CredentialSlot> = {};
  for (const [name, slot] of Object.entries(entry.credentials)) {
    const at = `${path}.credentials.${name}`;
    if ((slot.env === undefined) === (slot.header === undefined)) {
      problems.push({ path: at, message: "a credential slot needs exactly one of `env` or `header`" });
      continue;
    }
    if (slot.env !== undefined && transport.kind !== "stdio")
      problems.push({
        path: `${at}.env`,
        message: "`env` slots apply to stdio servers; use `header` for a remote one",
      });
    if (slot.header !== undefined && transport.kind !== "http")
      problems.push({ path: `${at}.header`, message: "`header` slots apply to remote servers; use `env` for stdio" });
    slots[name] = {
      ...(slot.env !== undefined ? { env: slot.env } : { header: slot.header as string }),
      format: slot.format,
      required: slot.required,
      ...(slot.description !== undefined ? { description: slot.description } : {}),
    };
  }
  if (entry.lifecycle !== undefined && entry.lifecycle !== "on-demand") {
    problems.push({
      path: `${path}.lifecycle`,
      message: "a server with `credentials` runs one instance per principal, started at its first call: use on-demand",
    });
  }
  return slots;
}

export function normalizeSecrets(section: { keyFile?: string | undefined }, configDir: string): SecretsSettings {
  return { keyFile: section.keyFile === undefined ? undefined : resolve(configDir, section.keyFile) };
}

/**
 * A slot's variable must not also be inherited from the gateway's environment: an instance whose principal left
 * an optional slot empty would otherwise run with the gateway's own value.
 */
export function inheritedCredentialProblems(
  servers: readonly ServerSpec[],
  inheritEnv: readonly string[],
): ConfigProblem[] {
  const inherited = new Set(inheritEnv);
  return servers.flatMap((spec) =>
    Object.entries(spec.credentials ?? {}).flatMap(([name, slot]) =>
      slot.env !== undefined && inherited.has(slot.env)
        ? [
            {
              path: `servers.${spec.name}.credentials.${name}.env`,
              message: `${slot.env} is also in gateway.inheritEnv: a per-principal value must not have a shared fallback`,
            },
          ]
        : [],
    ),
  );
}
