// Integrity checks on the way of a tools/call: secrets in the arguments (before the call is sent) and, on the way
// back, secrets in the result; the result's text is queued for screening (flagged, off the response path). What
// each does is the server's `secretScan` and `screening.results` (docs/integrity.md).

import { SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import type { IntegritySettings } from "../../core/integrity.ts";
import type { JsonRpcRequest, JsonRpcResponse } from "../../core/jsonrpc.ts";
import type { ResultScreening } from "../integrity/result-screening.ts";
import { SCAN_TOO_LARGE, type SecretGuard, type SecretVerdict } from "../integrity/secret-guard.ts";

export interface CallIntegrityDeps {
  /** Secret detection; unset: no server can have secretScan on (it is created when one does). */
  secrets?: SecretGuard | undefined;
  /** Screening of result text, queued off the response path. */
  resultScreening?: Pick<ResultScreening, "submit"> | undefined;
}

/** Whether a call's arguments are scanned for secrets before it is sent (the server's `secretScan.arguments`). */
export function argumentsScanned(deps: CallIntegrityDeps | undefined, settings: IntegritySettings, method: string) {
  return deps?.secrets !== undefined && settings.secrets.arguments !== "off" && method === "tools/call";
}

/** The request to send: unchanged, with its arguments' secrets redacted, or refused (`secret_detected`). */
export async function checkedArguments(
  deps: CallIntegrityDeps,
  events: EventBus,
  server: string,
  settings: IntegritySettings,
  request: JsonRpcRequest,
): Promise<JsonRpcRequest> {
  const args = request.params?.arguments;
  if (args === undefined || !deps.secrets) return request;
  const verdict = await deps.secrets.checkArguments(args, settings.secrets);
  const tool = String(request.params?.name);
  const value = applied(events, server, tool, "arguments", verdict);
  return value === args ? request : { ...request, params: { ...request.params, arguments: value } };
}

/** Queues a tools/call result's text for screening (flagged later; the result goes out unchanged). */
export function screenedResult(
  deps: CallIntegrityDeps,
  server: string,
  settings: IntegritySettings,
  request: JsonRpcRequest,
  response: JsonRpcResponse,
): void {
  const { result } = response;
  const mode = settings.screening.results;
  if (request.method !== "tools/call" || !result || mode === "off") return;
  deps.resultScreening?.submit(server, String(request.params?.name), result, mode);
}

/**
 * The answers secret detection on results applies to: a file read back as a resource, or a prompt's text, or a tool's
 * result fetched through its task carries a secret as well as a tool's result does.
 */
const SCANNED_RESULTS = new Set(["tools/call", "resources/read", "prompts/get", "tasks/result", "tasks/get"]);

/** Whether an answer is scanned for secrets before it goes back (the server's `secretScan.results`). */
export function resultScanned(deps: CallIntegrityDeps | undefined, settings: IntegritySettings, method: string) {
  return deps?.secrets !== undefined && settings.secrets.results !== "off" && SCANNED_RESULTS.has(method);
}

/** The response to return: unchanged, with its result's secrets redacted, or refused (`secret_detected`). */
export async function checkedResult(
  deps: CallIntegrityDeps,
  events: EventBus,
  server: string,
  settings: IntegritySettings,
  request: JsonRpcRequest,
  response: JsonRpcResponse,
): Promise<JsonRpcResponse> {
  const { result } = response;
  const tool = String(request.params?.name ?? request.params?.uri ?? `task ${String(request.params?.taskId)}`);
  if (!deps.secrets) return response;
  if (!result) {
    // A server's error is text for the client too: its message and data are scanned like a result.
    if (!response.error) return response;
    const verdict = await deps.secrets.checkResult(response.error, settings.secrets);
    const error = applied(events, server, tool, "result", verdict);
    return error === response.error ? response : { ...response, error };
  }
  const verdict = await deps.secrets.checkResult(result, settings.secrets);
  const value = applied(events, server, tool, "result", verdict);
  return value === result ? response : { ...response, result: value };
}

function applied<T>(
  events: EventBus,
  server: string,
  tool: string,
  where: "arguments" | "result",
  verdict: SecretVerdict<T>,
): T {
  if (verdict.outcome === "clean") return verdict.value;
  const { rules, fields } = verdict;
  events.emit("secret-found", {
    server,
    tool,
    where,
    action: verdict.outcome === "redacted" ? "redact" : "block",
    rules,
  });
  if (verdict.outcome === "redacted") return verdict.value;
  throw new SwitchboardError("secret_detected", refusal(where, tool, rules), {
    data: { server, tool, where, rules, fields },
  });
}

/** Why a message was refused: a secret found, or (`block` failing closed) more text than the scan covers. */
function refusal(where: "arguments" | "result", tool: string, rules: readonly string[]): string {
  const list = rules.join(", ");
  if (rules.includes(SCAN_TOO_LARGE))
    return where === "arguments"
      ? `The call to ${tool} was not sent: its arguments are too large to be scanned whole for secrets (${list}).`
      : `The result of ${tool} was withheld: it is too large to be scanned whole for secrets (${list}).`;
  return where === "arguments"
    ? `The call to ${tool} was not sent: its arguments hold what looks like a secret (${list}).`
    : `The result of ${tool} was withheld: it holds what looks like a secret (${list}).`;
}
