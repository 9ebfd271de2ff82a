// Telling a request that could not be serialized (the caller's fault, raised before anything was written to the
// server) apart from a failure of the server or of the way to it.
import { SwitchboardError } from "./errors.ts";

/**
 * Errors JSON.stringify raises on the value itself: RangeError (nested too deep for the stack, or a string past
 * the engine's length limit), TypeError for a cycle or a BigInt. Raised before a byte was sent.
 */
export function isUnserializable(error: unknown): boolean {
  return error instanceof RangeError || (error instanceof TypeError && /circular|BigInt/i.test(error.message));
}

/**
 * `invalid_params`: not retried and not counted by the server's circuit breaker, and the client's message says
 * nothing of the engine's error (kept as `cause`, for the log).
 */
export function unserializableRequest(serverName: string, error: unknown): SwitchboardError {
  return new SwitchboardError(
    "invalid_params",
    `the request could not be serialized for server ${serverName} (nested too deeply or not JSON); it was not sent`,
    { cause: error, data: { server: serverName } },
  );
}
