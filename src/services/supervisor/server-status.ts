// What `GET /servers`, /health and `switchboard status` report of one supervised server, built from what its
// supervisor knows.
import type { Confinement, SandboxBackendChoice, SandboxProfile } from "../../core/sandbox.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { ServerState } from "../../core/server-state.ts";
import type { UpstreamConnection } from "../../ports/connector.ts";

/** The configured profile in short: what will apply when the server starts (not what is in effect). */
export interface SandboxSummary {
  /** The backend the profile asks for (`auto` before a start has chosen one). */
  backend: SandboxBackendChoice;
  network: SandboxProfile["network"]["mode"];
}

export interface ServerStatus {
  name: string;
  status: ServerState;
  lifecycle: ServerSpec["lifecycle"];
  transport: "stdio" | "http";
  pid: number | null;
  inFlight: number;
  lastActivity: string | null;
  startedAt: string | null;
  restarts: number;
  consecutiveFailures: number;
  lastError: string | null;
  /**
   * The isolation in effect while the server runs; null when it does not run (a requested profile is not a
   * confinement: a start may fall back), for remote servers, and when the connection does not report one.
   */
  confinement: Confinement | null;
  /** The configured profile of a stdio server (null for remote servers, which no sandbox applies to). */
  sandbox: SandboxSummary | null;
}

/** What a supervisor knows of its server at one moment. Times are epoch milliseconds. */
export interface SupervisedServer {
  state: ServerState;
  /** The connection of the current (or last) run; only reported while the server is ready. */
  connection: Pick<UpstreamConnection, "pid" | "confinement"> | undefined;
  inFlight: number;
  lastClientActivity: number | undefined;
  startedAt: number | undefined;
  restarts: number;
  consecutiveFailures: number;
  lastError: string | undefined;
}

/** The status of one server: its configuration, its state, and its process and times while it runs. */
export function serverStatus(
  spec: Pick<ServerSpec, "name" | "lifecycle" | "transport" | "sandbox">,
  server: SupervisedServer,
): ServerStatus {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  const ready = server.state === "ready";
  const running = ready ? server.connection : undefined;
  return {
    name: spec.name,
    status: server.state,
    lifecycle: spec.lifecycle,
    transport: spec.transport.kind,
    pid: ready ? (server.connection?.pid ?? null) : null,
    inFlight: server.inFlight,
    lastActivity: iso(server.lastClientActivity),
    startedAt: ready ? iso(server.startedAt) : null,
    restarts: server.restarts,
    consecutiveFailures: server.consecutiveFailures,
    lastError: server.lastError ?? null,
    ...sandboxStatus(spec, running),
  };
}

const UNCONFINED_SUMMARY: SandboxSummary = { backend: "none", network: "host" };

/** The sandbox members of a status: the running connection's confinement, and the configured profile. */
export function sandboxStatus(
  spec: Pick<ServerSpec, "transport" | "sandbox">,
  running: { confinement?: Confinement | undefined } | undefined,
): Pick<ServerStatus, "confinement" | "sandbox"> {
  if (spec.transport.kind !== "stdio") return { confinement: null, sandbox: null };
  // Without a profile the server runs unconfined, and that is what the summary says.
  const profile: SandboxProfile | undefined = spec.sandbox;
  return {
    confinement: running?.confinement ?? null,
    sandbox: profile ? { backend: profile.backend, network: profile.network.mode } : UNCONFINED_SUMMARY,
  };
}
