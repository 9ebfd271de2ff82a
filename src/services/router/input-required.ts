// The bridge between a 2026-era server's "input required" results and the client in front of it: the client's
// own envelope goes upstream with each request, and for a 2025-era client the embedded requests are asked of it
// as real requests on the call's stream, then the call is retried with the answers.
import { SwitchboardError } from "../../core/errors.ts";
import type { JsonRpcRequest, JsonRpcResponse } from "../../core/jsonrpc.ts";
import { META_CLIENT_CAPABILITIES, META_CLIENT_INFO, META_LOG_LEVEL } from "../../core/protocol.ts";
import type { RequestOptions, UpstreamPeer } from "../upstream/upstream-peer.ts";
import type { CallerScope, ClientRelay } from "./client-relay.ts";
import type { DownstreamSession } from "./sessions.ts";

/** The client's own envelope entries, sent with its requests to 2026-era servers. */
export function envelopeOf(session: DownstreamSession): Record<string, unknown> {
  const envelope: Record<string, unknown> = { [META_CLIENT_CAPABILITIES]: session.clientCapabilities ?? {} };
  if (session.clientInfo) envelope[META_CLIENT_INFO] = session.clientInfo;
  if (session.logLevel) envelope[META_LOG_LEVEL] = session.logLevel;
  return envelope;
}

/** Rounds of "input required" the gateway answers for a 2025-era client before giving up (as the SDK's shim). */
const MAX_INPUT_ROUNDS = 8;

/**
 * A 2026-era server answers "input required" instead of sending requests; a 2025-era client expects the
 * requests. The gateway asks the calling client each embedded request on the call's stream and retries with
 * the answers (and the server's requestState), for at most MAX_INPUT_ROUNDS rounds.
 */
export async function fulfilInputRequests(
  relay: ClientRelay,
  peer: UpstreamPeer,
  request: JsonRpcRequest,
  first: JsonRpcResponse,
  options: RequestOptions,
  ctx: { signal: AbortSignal; caller: CallerScope },
): Promise<JsonRpcResponse> {
  let response = first;
  for (let round = 0; round < MAX_INPUT_ROUNDS && response.result?.resultType === "input_required"; round++) {
    const result = response.result;
    const inputResponses: Record<string, unknown> = {};
    for (const [key, input] of Object.entries(
      (result.inputRequests ?? {}) as Record<string, { method: string; params?: Record<string, unknown> }>,
    )) {
      const answer = await relay.askCaller(ctx.caller, input.method, input.params ?? {}, ctx.signal);
      if (answer.error) return { jsonrpc: "2.0", id: request.id, error: answer.error };
      inputResponses[key] = answer.result;
    }
    const params: Record<string, unknown> = { ...request.params, inputResponses };
    if (result.requestState !== undefined) params.requestState = result.requestState;
    response = await peer.request({ ...request, params }, options);
  }
  if (response.result?.resultType === "input_required") {
    throw new SwitchboardError("upstream_unavailable", `server kept asking for input after ${MAX_INPUT_ROUNDS} rounds`);
  }
  return response;
}
