// The sandbox port: turns the launch of a stdio server into the same launch inside an isolation backend. The
// connector spawns whatever comes back; the supervisor never knows a sandbox exists.
import type { Confinement, SandboxProfile } from "../core/sandbox.ts";

/** A process to start: the command, its arguments, its whole environment and its working directory. */
export interface LaunchSpec {
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
}

export interface PreparedLaunch extends LaunchSpec {
  /** What the launch enforces once started. */
  confinement: Confinement;
  /**
   * Runs once the process has exited (or failed to spawn): removes what the launch created (cgroups, state
   * folders, containers). Resolves with why a limit ended the process (`memory limit 64 MiB exceeded`), if one
   * did. Never rejects.
   */
  finish(): Promise<string | undefined>;
}

/** Raised (as a SwitchboardError `sandbox_unavailable`) when a profile cannot be enforced and must not fall back. */
export interface Sandbox {
  prepare(server: string, profile: SandboxProfile, launch: LaunchSpec, signal: AbortSignal): Promise<PreparedLaunch>;
  /** Availability of every backend on this machine, for doctor and `auto`: `undefined` when usable, else why not. */
  probe(): Promise<Record<string, string | undefined>>;
}
