// Normalisation of a server's `sandbox`: the server's fields over serverDefaults' over SANDBOX_DEFAULTS, paths
// resolved against the config file, the allow-list parsed; problems are reported with their path.
import { resolve } from "node:path";
import type { ConfigProblem } from "../core/gateway-config.ts";
import { type NetworkPolicy, parseEgressRule, type SandboxProfile } from "../core/sandbox.ts";
import { interpolate } from "./interpolate.ts";
import { parseMemory, SANDBOX_DEFAULTS, type SandboxEntry } from "./sandbox-schema.ts";

export interface SandboxContext {
  path: string;
  configDir: string;
  vars: Readonly<Record<string, string | undefined>>;
  problems: ConfigProblem[];
}

/** The profile in effect for a server; undefined when neither it nor serverDefaults sets `sandbox`. */
export function normalizeSandbox(
  defaults: SandboxEntry | undefined,
  entry: SandboxEntry | undefined,
  ctx: SandboxContext,
): SandboxProfile | undefined {
  if (defaults === undefined && entry === undefined) return undefined;
  const merged = { ...SANDBOX_DEFAULTS, ...defined(defaults ?? {}), ...defined(entry ?? {}) };
  const limits = { ...defaults?.limits, ...entry?.limits };
  const where = ctx.path;
  const paths = (list: readonly string[] | undefined, key: string) =>
    (list ?? []).map((raw, i) => {
      const { value, missing } = interpolate(raw, ctx.vars);
      for (const name of missing)
        ctx.problems.push({
          path: `${where}.filesystem.${key}[${i}]`,
          message: `environment variable ${name} is not set`,
        });
      return resolve(ctx.configDir, value);
    });
  const filesystem = entry?.filesystem ?? defaults?.filesystem ?? {};
  return {
    backend: merged.backend,
    filesystem: { read: paths(filesystem.read, "read"), write: paths(filesystem.write, "write") },
    network: network(merged.network, `${where}.network`, ctx.problems),
    env: [...(entry?.env ?? defaults?.env ?? [])],
    limits: {
      memoryBytes: limits.memory === undefined ? undefined : parseMemory(limits.memory),
      cpus: limits.cpus,
      processes: limits.processes,
      openFiles: limits.openFiles,
    },
    user: merged.user,
    onUnavailable: merged.onUnavailable,
    image: merged.image,
    runtime: merged.runtime,
  };
}

function network(value: SandboxEntry["network"], path: string, problems: ConfigProblem[]): NetworkPolicy {
  if (value === undefined || value === "none") return { mode: "none" };
  if (value === "host") return { mode: "host" };
  const allow = value.allow.flatMap((text, i) => {
    try {
      return [parseEgressRule(text)];
    } catch (error) {
      problems.push({ path: `${path}.allow[${i}]`, message: (error as Error).message });
      return [];
    }
  });
  return { mode: "allow", allow };
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
