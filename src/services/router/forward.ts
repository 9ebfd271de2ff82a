// What every route of the router ends in: one request sent to one server over its shared connection, under the
// server's policies, its result measured against the output budget. The answer stays the object the peer
// parsed (serialized only when the budget had to measure it), for the front to encode once.
import { callDeadline } from "../../core/deadline.ts";
import type { EventBus } from "../../core/events.ts";
import type { JsonRpcRequest, JsonRpcResponse } from "../../core/jsonrpc.ts";
import { envelopeOf, needsInputAsked } from "../../core/protocol/index.ts";
import type { Reply } from "../../core/reply.ts";
import type { Clock } from "../../ports/clock.ts";
import type { Policies } from "../policies/policies.ts";
import type { ResultBudgets } from "../results/result-budgets.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { reportCall } from "./call-events.ts";
import {
  argumentsScanned,
  type CallIntegrityDeps,
  checkedArguments,
  checkedResult,
  resultScanned,
  screenedResult,
} from "./call-integrity.ts";
import type { ClientRelay } from "./client-relay.ts";
import { fulfilInputRequests } from "./input-required.ts";
import type { RequestContext } from "./request-context.ts";

export interface ForwardDeps {
  supervisor: Supervisor;
  events: EventBus;
  /** Time of the calls: their durations and hard deadlines. */
  clock: Clock;
  relay: ClientRelay;
  policies?: Policies | undefined;
  budgets?: ResultBudgets | undefined;
  /** Secret detection and result screening (tools/call only, per the server's settings). */
  integrity?: CallIntegrityDeps | undefined;
}

/**
 * Sends a request to one server over its shared connection, under the server's policies (bulkhead, retry,
 * circuit breaker; see docs/resilience.md). Once delivered, a request is retried only when it is a tools/call
 * of an idempotent or read-only tool of a trusted server. The hard maximum `maxCallMs` is one deadline for the
 * whole client call, queueing and retries included.
 */
export async function forward(
  deps: ForwardDeps,
  server: string,
  asked: JsonRpcRequest,
  ctx: RequestContext,
): Promise<Reply> {
  // A per-principal server answers from the caller's own instance (its own process and credentials), never another's.
  const { principal } = ctx.session;
  const supervised = deps.supervisor.instanceFor(server, principal);
  const { clock } = deps;
  const started = clock.now();
  // What is sent: the client's request, its arguments' secrets redacted when the server's secretScan says so.
  let request = asked;
  const { signal } = ctx.controller;
  const deadline = callDeadline(clock, supervised.spec.policies.maxCallMs, signal);
  const options = {
    timeoutMs: supervised.spec.timeoutMs,
    deadline,
    onNotification: ctx.send,
    caller: ctx,
    envelope: envelopeOf(ctx.session),
  };
  const attempt = async (): Promise<Reply> => {
    const lease = await supervised.acquire(signal);
    try {
      const response = await lease.peer.request(request, options);
      if (lease.peer.era === "modern" && needsInputAsked(ctx.session.protocolVersion)) {
        return await fulfilInputRequests(deps.relay, lease.peer, request, response, options, ctx);
      }
      return { kind: "response", response };
    } finally {
      lease.release();
    }
  };
  const { correlationId } = ctx;
  const caller = principal.name;
  const checks = deps.integrity;
  const { integrity } = supervised.spec;
  try {
    if (checks && argumentsScanned(checks, integrity, asked.method)) {
      request = await checkedArguments(checks, deps.events, server, integrity, asked);
    }
    const { policies } = deps;
    const instance = supervised.spec.principal;
    let reply = await (policies ? policies.run(server, request, deadline, attempt, instance) : attempt());
    if (checks && reply.kind === "response") {
      screenedResult(checks, server, integrity, request, reply.response);
      if (resultScanned(checks, integrity, request.method)) {
        const response = await checkedResult(checks, deps.events, server, integrity, request, reply.response);
        if (response !== reply.response) reply = { kind: "response", response };
      }
    }
    reportCall(deps, { server, request, startedAt: started, correlationId, principal: caller, outcome: { reply } });
    if (reply.kind !== "response") return reply;
    // Not awaited: a failure while measuring the result is no retry.
    return budgeted(deps.budgets, server, request, reply.response, { fields: ctx.fields, owner: caller });
  } catch (error) {
    reportCall(deps, { server, request, startedAt: started, correlationId, principal: caller, outcome: { error } });
    throw error;
  } finally {
    deadline.end();
  }
}

/**
 * The server's answer, a tools/call result passed through the output budget and projection; the rest of a cut
 * result belongs to `owner` (only that principal may page it).
 */
async function budgeted(
  budgets: ResultBudgets | undefined,
  server: string,
  request: JsonRpcRequest,
  response: JsonRpcResponse,
  { fields, owner }: { fields: readonly string[] | undefined; owner: string },
): Promise<Reply> {
  const { result } = response;
  if (!budgets || !result || request.method !== "tools/call") return { kind: "response", response };
  const tool = String(request.params?.name);
  const json = JSON.stringify(response);
  // The common case: the serialized response bounds the result's cost, so it goes out as it is.
  if (budgets.passesUnchanged(server, tool, json, fields)) return { kind: "response", response, json };
  const applied = await budgets.apply(server, tool, result, { fields, serialized: json, owner });
  return applied === result
    ? { kind: "response", response, json }
    : { kind: "response", response: { ...response, result: applied } };
}
