// What each isolation backend implements: whether it works here, and how it wraps one launch. The choice of
// backend, the fallback under `onUnavailable: warn`, paths, limits and egress are decided before a backend is
// asked (create-sandbox.ts): a backend turns a finished plan into a command line.
import type { Confinement, SandboxBackend, SandboxProfile } from "../../core/sandbox.ts";
import type { LaunchSpec } from "../../ports/sandbox.ts";

/** The paths a launch may see, all absolute and existing. */
export interface SandboxPaths {
  /** System folders needed to run programs (read-only): /usr, /lib*, /bin, /sbin and a curated part of /etc. */
  system: readonly string[];
  /** The server's own command or package (read-only). */
  own: string[];
  /** The profile's read list (read-only). */
  read: readonly string[];
  /** The profile's write list (read-write; created if missing). */
  write: readonly string[];
  /** A private, empty, writable folder made for this launch: mounted or used as the server's /tmp and HOME. */
  tmp: string;
}

/** How the server's traffic leaves a `network: allow` sandbox: the gateway's egress proxy. */
export interface EgressPlan {
  /**
   * Unix socket of the gateway's egress proxy for this server (host path), to bind into the sandbox. For most
   * backends the launch already runs the native launcher's forwarder from 127.0.0.1:EGRESS_PORT inside to it,
   * and HTTP(S)_PROXY point there.
   */
  socketPath: string;
  /**
   * Set when the launch was not rewritten (the backend runs the launcher itself, as Landlock does): the backend
   * adds a forwarder from 127.0.0.1:forwardPort in the sandbox's network namespace to `socketPath`.
   */
  forwardPort?: number;
}

export interface WrapRequest {
  server: string;
  profile: SandboxProfile;
  /** The launch as it would run unconfined; env is already the sandboxed environment. */
  launch: LaunchSpec;
  paths: SandboxPaths;
  egress: EgressPlan | undefined;
  /** A folder the backend may use for its own state for this launch (removed at finish). */
  stateDir: string;
}

export interface Wrapped extends LaunchSpec {
  /** What this backend enforces, besides what the limits module adds (cgroups). */
  confinement: Pick<Confinement, "filesystem" | "network" | "user"> &
    Partial<Pick<Confinement, "limits" | "warnings" | "runtime">>;
  /** Cleanup after exit (containers, state); resolves with why a limit of the backend's own ended the server. */
  finish?(): Promise<string | undefined>;
}

export interface BackendAdapter {
  readonly name: SandboxBackend;
  /** Undefined when the backend works on this machine; else why not and what to install. Cached by the caller. */
  probe(): Promise<string | undefined>;
  wrap(request: WrapRequest): Promise<Wrapped>;
  /**
   * Whether the backend enforces these limits itself (containers do); the limits module then leaves them
   * alone. Undefined: none.
   */
  readonly ownLimits?: readonly ("memoryBytes" | "cpus" | "processes" | "openFiles")[];
}
