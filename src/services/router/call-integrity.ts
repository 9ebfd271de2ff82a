// Integrity checks on the way of a tools/call: secrets in the arguments (before the call is sent) and, on the way
// back, screening of the result's text for content aimed at the model and secrets in the result. What each does
// is the server's `screening.results` and `secretScan` (docs/integrity.md).

import { SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import type { Finding, IntegritySettings } from "../../core/integrity.ts";
import type { JsonRpcRequest, JsonRpcResponse } from "../../core/jsonrpc.ts";
import type { SecretGuard, SecretVerdict } from "../integrity/secret-guard.ts";

/** Screens one text of a result; the findings name the rule and where. */
export type ResultScreener = (text: string, field: string) => Finding[];

export interface CallIntegrityDeps {
  /** Secret detection; unset: no server can have secretScan on (it is created when one does). */
  secrets?: SecretGuard | undefined;
  screenResult?: ResultScreener | undefined;
}

/** Text of a result screened per call, at most: a result past it is screened on its first part only. */
const MAX_SCREENED_CHARS = 256 * 1024;

/** The request to send: unchanged, with its arguments' secrets redacted, or refused (`secret_detected`). */
export function argumentsScanned(deps: CallIntegrityDeps | undefined, settings: IntegritySettings, method: string) {
  return deps?.secrets !== undefined && settings.secrets.arguments !== "off" && method === "tools/call";
}

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

/** Flags (logs and counts) content aimed at the model in a tools/call result's text; nothing is changed. */
export function screenedResult(
  deps: CallIntegrityDeps,
  events: EventBus,
  server: string,
  settings: IntegritySettings,
  request: JsonRpcRequest,
  response: JsonRpcResponse,
): void {
  const { result } = response;
  if (request.method !== "tools/call" || !result || settings.screening.results !== "flag" || !deps.screenResult) return;
  screen(deps.screenResult, events, server, String(request.params?.name), result);
}

export function resultScanned(deps: CallIntegrityDeps | undefined, settings: IntegritySettings, method: string) {
  return deps?.secrets !== undefined && settings.secrets.results !== "off" && method === "tools/call";
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
  if (!result || !deps.secrets) return response;
  const verdict = await deps.secrets.checkResult(result, settings.secrets);
  const value = applied(events, server, String(request.params?.name), "result", verdict);
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
  throw new SwitchboardError(
    "secret_detected",
    where === "arguments"
      ? `The call to ${tool} was not sent: its arguments hold what looks like a secret (${rules.join(", ")}).`
      : `The result of ${tool} was withheld: it holds what looks like a secret (${rules.join(", ")}).`,
    { data: { server, tool, where, rules, fields } },
  );
}

/** Flags (logs and counts) content aimed at the model in a result's text; the result itself is not changed. */
function screen(
  screenResult: ResultScreener,
  events: EventBus,
  server: string,
  tool: string,
  result: Record<string, unknown>,
): void {
  const content = Array.isArray(result.content) ? result.content : [];
  let budget = MAX_SCREENED_CHARS;
  const rules = new Set<string>();
  for (const [i, block] of content.entries()) {
    if (budget <= 0) break;
    const text = (block as { text?: unknown } | null)?.text;
    if (typeof text !== "string") continue;
    const part = text.length > budget ? text.slice(0, budget) : text;
    budget -= part.length;
    for (const finding of screenResult(part, `content[${i}].text`)) rules.add(finding.rule);
  }
  if (rules.size > 0) events.emit("result-screened", { server, tool, rules: [...rules] });
}
