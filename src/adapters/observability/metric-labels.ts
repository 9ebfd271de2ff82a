// Label values of the gateway's metrics, each from a bounded set (docs/metrics.md, "Cardinality"): methods from
// a fixed list, error kinds from the error registry, tools only when the catalog knows them and up to a cap.
import { ERROR_CODES } from "../../core/errors.ts";

/** The `method` label for methods outside METHOD_LABELS. */
export const OTHER_METHOD = "other";
/** The `tool` label for tools past the cap or unknown to the catalog. */
export const OTHER_TOOL = "_other";
/** The `error_kind` label for a kind outside ERROR_KIND_LABELS. */
export const OTHER_ERROR_KIND = "other";

/** MCP requests a gateway forwards; anything else is counted as `other`. */
export const METHOD_LABELS: ReadonlySet<string> = new Set([
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "prompts/list",
  "prompts/get",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "completion/complete",
  "logging/setLevel",
]);

/** The gateway's error codes, plus a server's error reply and a tool result with `isError`. */
export const ERROR_KIND_LABELS: ReadonlySet<string> = new Set([
  ...Object.keys(ERROR_CODES),
  "tool_error",
  "jsonrpc_error",
]);

export function methodLabel(method: string): string {
  return METHOD_LABELS.has(method) ? method : OTHER_METHOD;
}

export function errorKindLabel(kind: string): string {
  return ERROR_KIND_LABELS.has(kind) ? kind : OTHER_ERROR_KIND;
}

/** Tool names of a catalog listing, as a set built once per listing (the listing array is the cache key). */
export class KnownTools {
  private readonly sets = new WeakMap<readonly Record<string, unknown>[], ReadonlySet<string>>();

  has(tools: readonly Record<string, unknown>[] | undefined, name: string): boolean {
    if (!tools) return false;
    let names = this.sets.get(tools);
    if (!names) {
      names = new Set(tools.map((tool) => String(tool.name)));
      this.sets.set(tools, names);
    }
    return names.has(name);
  }
}
