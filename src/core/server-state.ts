// The lifecycle states of one upstream server (DESIGN.md, "Server lifecycle"). Each closed set is one `as const`
// array: the type, the configuration schema and the metrics' label values all come from it.

/**
 * - `asleep`: configured, not running; its catalog is known from the manifest cache.
 * - `starting`: process spawned or connection opening; initialize handshake in progress.
 * - `ready`: connected and initialized; calls are delivered.
 * - `stopping`: graceful stop in progress (stdin closed, then SIGTERM, then SIGKILL).
 * - `backoff`: it failed or crashed; waiting a jittered, growing delay before it may start again.
 * - `failed`: it failed more than `restart.maxRestarts` times in a row; only an explicit start revives it.
 * - `disabled`: `enabled: false` in the configuration.
 */
export const SERVER_STATES = ["asleep", "starting", "ready", "stopping", "backoff", "failed", "disabled"] as const;
export type ServerState = (typeof SERVER_STATES)[number];

/**
 * - `on-demand`: started by the first call, stopped after `idleTimeoutMs` without client activity.
 * - `eager`: started in parallel when the gateway boots, then treated like `on-demand`.
 * - `always`: started at boot, never stopped for idleness, restarted whenever it dies.
 */
export const LIFECYCLES = ["on-demand", "eager", "always"] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

/**
 * Why a server stopped; carried on events and shown by the admin API. `overloaded`: the gateway ended a server
 * that stopped reading its input or wrote an oversized message.
 */
export type StopReason = "idle" | "requested" | "shutdown" | "crashed" | "overloaded" | "health-check" | "start-failed";
