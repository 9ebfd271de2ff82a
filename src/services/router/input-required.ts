// The bridge between a 2026-era server's "input required" results and a 2025-era client in front of it: the
// embedded requests are asked of the client as real requests on the call's stream, then the call is retried
// with the answers.
import { SwitchboardError } from "../../core/errors.ts";
import type { JsonRpcRequest, JsonRpcResponse } from "../../core/jsonrpc.ts";
import { inputRequestsOf, inputRetryParams } from "../../core/protocol/index.ts";
import type { Reply } from "../../core/reply.ts";
import type { RequestOptions, ServerRequestAnswer, UpstreamPeer } from "../upstream/upstream-peer.ts";
import type { ClientRelay } from "./client-relay.ts";
import type { RequestContext } from "./request-context.ts";

/** Rounds of "input required" the gateway answers for a 2025-era client before giving up (as the SDK's shim). */
const MAX_INPUT_ROUNDS = 8;

/**
 * A 2026-era server answers "input required" instead of sending requests; a 2025-era client expects the
 * requests. The gateway asks the calling client each embedded request on the call's stream and retries with
 * the answers (and the server's requestState), for at most MAX_INPUT_ROUNDS rounds. The client's own error, or
 * a failure to ask it, is the call's answer (not retried).
 */
export async function fulfilInputRequests(
  relay: ClientRelay,
  peer: UpstreamPeer,
  request: JsonRpcRequest,
  first: JsonRpcResponse,
  options: RequestOptions,
  ctx: RequestContext,
): Promise<Reply> {
  let response = first;
  for (let round = 0; round < MAX_INPUT_ROUNDS; round++) {
    const result = response.result;
    const inputRequests = inputRequestsOf(result);
    if (!inputRequests || !result) break;
    const inputResponses: Record<string, unknown> = {};
    for (const [key, input] of Object.entries(inputRequests)) {
      let answer: ServerRequestAnswer;
      try {
        answer = await relay.askCaller(ctx, input.method, input.params ?? {});
      } catch (error) {
        return { kind: "failed", error };
      }
      if (answer.error) return { kind: "response", response: { jsonrpc: "2.0", id: request.id, error: answer.error } };
      inputResponses[key] = answer.result;
    }
    response = await peer.request(
      { ...request, params: inputRetryParams(request.params, result, inputResponses) },
      options,
    );
  }
  if (inputRequestsOf(response.result)) {
    throw new SwitchboardError("upstream_unavailable", `server kept asking for input after ${MAX_INPUT_ROUNDS} rounds`);
  }
  return { kind: "response", response };
}
