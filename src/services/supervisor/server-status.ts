// What `GET /servers`, /health and `switchboard status` report of one supervised server.
import type { ServerSpec } from "../../core/server-spec.ts";
import type { ServerState } from "../../core/server-state.ts";

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
}
