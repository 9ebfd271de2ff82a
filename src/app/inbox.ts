// Server→client traffic: what the upstream servers send that is not an answer (notifications not tied to a
// call, and requests to the client: sampling, elicitation, roots). The inbox exists before the supervisor, which
// hands each server's peer its hooks; the router, built on the supervisor, is attached once it exists. Until
// then nothing can have been relayed: notifications are dropped and requests answered as not ready.

import { SwitchboardError } from "../core/errors.ts";
import type { JsonRpcNotification, JsonRpcRequest } from "../core/jsonrpc.ts";
import type { Logger } from "../ports/logger.ts";
import type { InFlightCall, PeerHooks, ServerRequestAnswer } from "../services/upstream/peer-types.ts";

/** Who relays server→client traffic to the sessions it belongs to (the router). */
export interface UpstreamTraffic {
  /** `principal`: the traffic comes from that principal's instance of a per-principal server. */
  upstreamNotification(
    server: string,
    notification: JsonRpcNotification,
    calls: readonly InFlightCall[],
    principal?: string,
  ): void;
  upstreamRequest(
    server: string,
    request: JsonRpcRequest,
    calls: readonly InFlightCall[],
    signal: AbortSignal,
    principal?: string,
  ): Promise<ServerRequestAnswer>;
}

export class UpstreamInbox {
  private readonly logger: Logger;
  private traffic: UpstreamTraffic | undefined;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** Where server→client traffic goes from now on. */
  attach(traffic: UpstreamTraffic): void {
    this.traffic = traffic;
  }

  /**
   * The hooks of one server's peers: its traffic, tagged with its name and, for a principal's instance of a
   * per-principal server, that principal (whose sessions alone may receive it).
   */
  hooksFor(server: string, principal?: string): PeerHooks {
    return {
      onNotification: (notification, calls) =>
        this.traffic?.upstreamNotification(server, notification, calls, principal),
      onRequest: async (request, calls, signal) => {
        if (!this.traffic) throw new SwitchboardError("client_unavailable", "the gateway is not ready");
        return this.traffic.upstreamRequest(server, request, calls, signal, principal);
      },
      onError: (error, what) => this.logger.error({ server, err: error }, `${what} failed; the message was dropped`),
    };
  }
}
