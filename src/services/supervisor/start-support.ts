// Helpers of a server start: the client capabilities the gateway declares, the message of a failed start, and
// waiting on a shared start (or stop, or backoff) while letting one caller give up on its own signal.
import { SwitchboardError } from "../../core/errors.ts";
import type { ServerSpec } from "../../core/server-spec.ts";

/** What the gateway declares to a server as its client: the features it relays (see RelaySettings). */
export function clientCapabilities(spec: ServerSpec): Record<string, unknown> {
  const capabilities: Record<string, unknown> = {};
  if (spec.relay.sampling) capabilities.sampling = {};
  if (spec.relay.elicitation) capabilities.elicitation = { form: {}, url: {} };
  if (spec.relay.roots) capabilities.roots = { listChanged: true };
  return capabilities;
}

/** Why a start failed, quoting the end of the server's stderr unless the error already does. */
export function startFailureMessage(
  spec: ServerSpec,
  error: unknown,
  timedOut: boolean,
  tail: readonly string[],
): string {
  const detail = startFailureDetail(error, spec.startTimeoutMs, timedOut);
  // The peer's own error may already quote stderr.
  const quoteTail = tail.length > 0 && !detail.includes("(stderr:");
  return `server ${spec.name} failed to start: ${detail}${quoteTail ? ` (stderr: ${tail.slice(-3).join(" | ")})` : ""}`;
}

function startFailureDetail(error: unknown, startTimeoutMs: number, timedOut: boolean): string {
  if (timedOut || (error instanceof SwitchboardError && error.code === "timeout"))
    return `not ready within ${startTimeoutMs} ms`;
  return error instanceof Error ? error.message : String(error);
}

/** Waits for a shared promise but lets one caller give up on its own signal. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new SwitchboardError("cancelled", "request cancelled by the client"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
