// The rate-limit policy in front of the router: which requests take a token, and what a rejection looks like
// (a `rate_limited` error with data.retryAfterMs and data.scope, plus a `call-rejected` event).
import { SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import type { RateDecision, RateLimiter } from "../../ports/rate-limiter.ts";

/**
 * Requests that never take a token: the handshake, liveness checks and the 2026-era probe cost the gateway
 * nothing upstream, and refusing them would break a client's session rather than slow it down. Every other
 * request does (tools/call, prompts/get, resources/*, completion/complete, logging/setLevel and the lists).
 */
export const UNLIMITED_METHODS: ReadonlySet<string> = new Set(["initialize", "ping", "server/discover"]);

export interface RateLimitGateOptions {
  limiter: RateLimiter;
  events: EventBus;
}

export interface RateLimitGate {
  /**
   * Undefined when the request may proceed (or is not limited); the `rate_limited` error to answer with
   * otherwise. Synchronous with the memory limiter.
   */
  admit(
    clientKey: string,
    method: string,
    server: string | undefined,
  ): SwitchboardError | undefined | Promise<SwitchboardError | undefined>;
  close(): Promise<void>;
}

export function createRateLimitGate(options: RateLimitGateOptions): RateLimitGate {
  const { limiter, events } = options;
  const judge = (decision: RateDecision, method: string, server: string | undefined) => {
    if (decision.allowed) return undefined;
    const { scope, retryAfterMs } = decision;
    events.emit("call-rejected", { server, method, kind: "rate_limited", scope });
    const limit = scope === "client" ? "this client's" : "the gateway's global";
    return new SwitchboardError(
      "rate_limited",
      `${limit} rate limit is exhausted; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
      { data: { retryAfterMs, scope } },
    );
  };
  return {
    admit(clientKey, method, server) {
      if (UNLIMITED_METHODS.has(method)) return undefined;
      const decision = limiter.take(clientKey);
      return decision instanceof Promise
        ? decision.then((d) => judge(d, method, server))
        : judge(decision, method, server);
    },
    close: () => limiter.close(),
  };
}
