// tools/call of the gateway's own meta-tools (progressive discovery): search and describe are answered from
// the catalog; call_tool becomes an ordinary tools/call of the named tool; read_result pages a cut result.
import type { JsonRpcRequest } from "../../core/jsonrpc.ts";
import type { Reply } from "../../core/reply.ts";
import type { Discovery } from "../discovery/discovery.ts";
import { errorResult } from "../discovery/search-reply.ts";
import type { DownstreamSession } from "./sessions.ts";

/** Pages the remainder of a result cut by an output budget. */
export interface ResultPager {
  /**
   * `scope.server` limits the handles accepted to that server's results (its own endpoint), `scope.owner` to the
   * results of that principal's calls.
   */
  read(handle: string, offset: number, scope?: { server?: string; owner?: string }): Promise<Record<string, unknown>>;
}

export interface MetaCallDeps {
  discovery: Discovery;
  pager: ResultPager | undefined;
  /** Runs tools/call of a listed tool (namespaced on /mcp, the server's own name on /mcp/{server}). */
  callTool(request: JsonRpcRequest, fields: readonly string[] | undefined): Promise<Reply>;
}

/** The reply to a meta-tool call. */
export async function callMetaTool(
  deps: MetaCallDeps,
  session: DownstreamSession,
  request: JsonRpcRequest,
  signal?: AbortSignal,
): Promise<Reply> {
  const params = request.params ?? {};
  const args = (params.arguments ?? {}) as Record<string, unknown>;
  const outcome = await deps.discovery.call(session, String(params.name), args, signal);
  let result: Record<string, unknown>;
  if ("forward" in outcome) {
    const { name, arguments: toolArgs, fields } = outcome.forward;
    if (deps.discovery.isMetaTool(session, name))
      result = errorResult("call_tool runs a server's tool, not a gateway tool.");
    else return deps.callTool({ ...request, params: { ...params, name, arguments: toolArgs } }, fields);
  } else if ("read" in outcome) {
    const owner = session.principal.name;
    result = deps.pager
      ? await deps.pager.read(
          outcome.read.handle,
          outcome.read.offset,
          session.endpoint.kind === "server" ? { server: session.endpoint.server, owner } : { owner },
        )
      : errorResult("No result was cut here: output budgets are off.");
  } else result = outcome.result;
  return { kind: "result", json: JSON.stringify(result) };
}
