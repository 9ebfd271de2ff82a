// The Sandbox port: picks the backend a profile asks for (or the strongest available under `auto`), refuses to
// start a server whose backend cannot be had unless the profile says `onUnavailable: warn`, then wraps the launch:
// a private tmp, the visible paths, the limits (cgroups, rlimits) and the backend's own command line.
import { chmodSync, mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import {
  AUTO_BACKEND_ORDER,
  type Confinement,
  formatEgressRule,
  type SandboxBackend,
  type SandboxProfile,
  unconfined,
} from "../../core/sandbox.ts";
import type { Logger } from "../../ports/logger.ts";
import type { LaunchSpec, PreparedLaunch, Sandbox } from "../../ports/sandbox.ts";
import type { BackendAdapter, Wrapped } from "./backend.ts";
import { createBubblewrapBackend } from "./bubblewrap.ts";
import { type EgressSetup, setUpEgress } from "./egress-plan.ts";
import { createFirejailBackend } from "./firejail.ts";
import { createGvisorBackend } from "./gvisor.ts";
import { createLandlockBackend } from "./landlock.ts";
import { type LimitsPlan, planLimits } from "./limits.ts";
import { createWriteFolders, realPathOf, sandboxPaths } from "./paths.ts";
import { createPodmanBackend } from "./podman.ts";
import { createRuntimeFolder, type Guard, refuseGuarded, removeFolder, sweepLeftovers } from "./runtime-folder.ts";

export interface SandboxOptions {
  logger: Logger;
  /** Backends by name; the defaults are the real ones. Tests inject others. */
  backends?: Partial<Record<SandboxBackend, BackendAdapter>>;
  /** Where per-launch state (private tmp folders) goes; default a new folder under the system tmp. */
  runtimeDir?: string;
  /**
   * Where the native launcher (Landlock, egress forwarding) is compiled to; private to the gateway's user and
   * never visible to a server. Default: the runtime folder (compiled once per gateway process).
   */
  cacheDir?: string;
  /**
   * Folders no profile may show (the gateway's state directory, with `allowInside` its subtree for servers): a
   * profile listing one, a folder holding one, or a path inside one is refused.
   */
  protectedPaths?: readonly Guard[];
  /** Receives the egress proxy's decisions (`sandbox-egress`), for logs and metrics. */
  events?: EventBus;
}

export interface ClosableSandbox extends Sandbox {
  /** Removes the runtime folder; launches still running keep theirs until they finish. */
  close(): Promise<void>;
}

export function createSandbox(options: SandboxOptions): ClosableSandbox {
  const backends: Partial<Record<SandboxBackend, BackendAdapter>> = {
    bubblewrap: createBubblewrapBackend(),
    firejail: createFirejailBackend(),
    landlock: createLandlockBackend({ cacheDir: () => cacheDir() }),
    gvisor: createGvisorBackend(),
    podman: createPodmanBackend(),
    ...options.backends,
  };
  const probes = new Map<SandboxBackend, Promise<string | undefined>>();
  const probe = (name: SandboxBackend): Promise<string | undefined> => {
    const backend = backends[name];
    if (!backend) return Promise.resolve(`the ${name} backend is not available in this build`);
    let answer = probes.get(name);
    if (!answer) {
      answer = backend.probe().catch((error: Error) => `${name} probe failed: ${error.message}`);
      probes.set(name, answer);
    }
    return answer;
  };
  let runtime: string | undefined;
  const runtimeDir = () => {
    // Its owner is recorded inside, so a later gateway can remove what a killed one left (sweepLeftovers).
    runtime ??= options.runtimeDir ?? createRuntimeFolder();
    mkdirSync(runtime, { recursive: true, mode: 0o700 });
    return runtime;
  };
  const cacheDir = () => options.cacheDir ?? runtimeDir();
  sweepLeftovers(options.logger);

  /** The backend to use, or why none can be. */
  async function choose(profile: SandboxProfile): Promise<{ backend: BackendAdapter } | { reason: string }> {
    if (profile.backend !== "auto") {
      const reason = await probe(profile.backend);
      return reason === undefined ? { backend: backends[profile.backend] as BackendAdapter } : { reason };
    }
    const reasons: string[] = [];
    for (const name of AUTO_BACKEND_ORDER) {
      const reason = await probe(name);
      if (reason === undefined) return { backend: backends[name] as BackendAdapter };
      reasons.push(`${name}: ${reason}`);
    }
    return { reason: `no sandbox backend is available (${reasons.join("; ")})` };
  }

  function unavailable(server: string, profile: SandboxProfile, reason: string): string {
    if (profile.onUnavailable === "fail") {
      throw new SwitchboardError(
        "sandbox_unavailable",
        `its sandbox (${profile.backend}) cannot be enforced here: ${reason}`,
        { data: { server, backend: profile.backend, reason } },
      );
    }
    const warning = `sandbox ${profile.backend} unavailable, running UNCONFINED (onUnavailable: warn): ${reason}`;
    options.logger.warn({ server, backend: profile.backend, reason }, warning);
    return warning;
  }

  return {
    probe: async () => {
      const names = Object.keys(backends) as SandboxBackend[];
      return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await probe(name)] as const)));
    },

    async prepare(server, requested, launch, signal): Promise<PreparedLaunch> {
      signal.throwIfAborted();
      // Compared and bound by real paths: a symlink cannot bring a guarded folder into a list.
      const profile: SandboxProfile = {
        ...requested,
        filesystem: {
          read: requested.filesystem.read.map(realPathOf),
          write: requested.filesystem.write.map(realPathOf),
        },
      };
      refuseGuarded(server, profile, [
        ...(options.protectedPaths ?? []).map((guard) => ({ ...guard, path: realPathOf(guard.path) })),
        { path: realPathOf(runtimeDir()) },
        ...(options.cacheDir ? [{ path: realPathOf(options.cacheDir) }] : []),
      ]);
      createWriteFolders(profile);
      const warnings: string[] = [];
      let backend: BackendAdapter | undefined;
      if (profile.backend !== "none") {
        const chosen = await choose(profile);
        if ("backend" in chosen) backend = chosen.backend;
        else warnings.push(unavailable(server, profile, chosen.reason));
      }
      let limits: LimitsPlan | undefined;
      try {
        limits = planLimits(server, profile.limits, backend?.ownLimits ?? []);
      } catch (error) {
        warnings.push(unavailable(server, profile, (error as Error).message));
      }
      if (!backend) return unwrapped(profile, launch, limits, warnings);
      const stateDir = mkdtempSync(join(runtimeDir(), `${server.slice(0, 32)}-`));
      const tmp = join(stateDir, "tmp");
      mkdirSync(tmp);
      chmodSync(tmp, 0o1777);
      let egress: EgressSetup | undefined;
      let wrapped: Wrapped | undefined;
      const removeState = async () => {
        await egress?.close().catch(() => {});
        await removeFolder(stateDir, options.logger);
      };
      try {
        const paths = sandboxPaths(profile, launch, tmp);
        if (profile.network.mode === "allow") {
          const setup = {
            launcherMergedByBackend: backend.name === "landlock",
            stateDir,
            cacheDir: cacheDir(),
            signal,
          };
          egress = await setUpEgress(server, profile, { ...setup, events: options.events }, launch);
          paths.own.push(...egress.visible);
        }
        wrapped = await backend.wrap({
          server,
          profile,
          launch: egress?.launch ?? launch,
          paths,
          egress: egress?.plan,
          stateDir,
        });
        signal.throwIfAborted();
        const confinement: Confinement = {
          backend: backend.name,
          requested: profile.backend,
          network: wrapped.confinement.network,
          ...(profile.network.mode === "allow" ? { allow: profile.network.allow.map(formatEgressRule) } : {}),
          filesystem: wrapped.confinement.filesystem,
          limits: { ...limits?.limits, ...wrapped.confinement.limits },
          user: wrapped.confinement.user,
          ...(wrapped.confinement.runtime ? { runtime: wrapped.confinement.runtime } : {}),
          warnings: [...warnings, ...(wrapped.confinement.warnings ?? [])],
        };
        return {
          ...behind(limits?.prefix ?? [], wrapped),
          env: wrapped.env,
          cwd: wrapped.cwd,
          confinement,
          finish: once(async () => {
            // Each step on its own: a server that booby-traps its tmp must not keep the rest from running.
            const own = await wrapped?.finish?.().catch(() => undefined);
            const reason = await limits?.finish().catch(() => undefined);
            await removeState();
            return reason ?? own ?? undefined;
          }),
        };
      } catch (error) {
        await wrapped?.finish?.().catch(() => undefined);
        await limits?.finish().catch(() => undefined);
        await removeState();
        if (error instanceof SwitchboardError) throw error;
        throw new SwitchboardError(
          "sandbox_unavailable",
          `its sandbox (${backend.name}) could not be set up: ${(error as Error).message}`,
          { data: { server, backend: backend.name, reason: (error as Error).message }, cause: error },
        );
      }
    },

    async close() {
      if (runtime && !options.runtimeDir) await removeFolder(runtime, options.logger);
      runtime = undefined;
    },
  };
}

/** A launch without a backend (`none`, or a fallback under `warn`): only limits and the environment policy. */
function unwrapped(
  profile: SandboxProfile,
  launch: LaunchSpec,
  limits: LimitsPlan | undefined,
  warnings: string[],
): PreparedLaunch {
  return {
    ...behind(limits?.prefix ?? [], launch),
    env: launch.env,
    cwd: launch.cwd,
    confinement: { ...unconfined(profile.backend, warnings), limits: limits?.limits ?? {} },
    finish: once(async () => limits?.finish()),
  };
}

/** The command line of `launch` run by `prefix` (the limits' shell prelude), or as it is without one. */
function behind(prefix: readonly string[], launch: Pick<LaunchSpec, "command" | "args">) {
  if (prefix.length === 0) return { command: launch.command, args: [...launch.args] };
  return { command: prefix[0] as string, args: [...prefix.slice(1), launch.command, ...launch.args] };
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => {
    result ??= fn();
    return result;
  };
}
