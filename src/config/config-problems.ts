// Problem reporting for the configuration: zod issues become problems with a JSON path and a reason (an unknown
// key names the closest known one), and every problem found becomes one config_invalid error.
import type { z } from "zod";
import { SwitchboardError } from "../core/errors.ts";
import type { ConfigProblem } from "../core/gateway-config.ts";
import { POLICY_NESTED_SECTIONS } from "./policy-schema.ts";
import { RestartSchema, ServerSchema } from "./server-schema.ts";

export function zodProblems(
  error: z.ZodError,
  prefix: readonly PropertyKey[] = [],
  rootKeys: readonly string[] = [],
): ConfigProblem[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: formatPath([...path, key]),
        message: unknownKeyMessage(key, issue, rootKeys),
      }));
    }
    return [{ path: formatPath(path), message: issue.message }];
  });
}

/** "unknown setting" plus the closest known key when the typo is small. */
function unknownKeyMessage(key: string, issue: z.core.$ZodIssueUnrecognizedKeys, rootKeys: readonly string[]): string {
  const known = knownKeysFor(issue, rootKeys);
  const suggestion = known
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .filter(({ candidate, distance }) => distance <= 3 || candidate.toLowerCase().startsWith(key.toLowerCase()))
    .sort((a, b) => a.distance - b.distance)[0];
  return suggestion ? `unknown setting "${key}" (did you mean "${suggestion.candidate}"?)` : `unknown setting "${key}"`;
}

function knownKeysFor(issue: z.core.$ZodIssueUnrecognizedKeys, rootKeys: readonly string[]): readonly string[] {
  const where = issue.path[issue.path.length - 1];
  if (where === "restart") return Object.keys(RestartSchema.shape);
  const policy = typeof where === "string" ? POLICY_NESTED_SECTIONS[where] : undefined;
  if (policy) return Object.keys(policy.shape);
  if (where === "serverDefaults") return Object.keys(ServerSchema.shape);
  return issue.path.length === 0 ? rootKeys : [];
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function invalid(source: string | undefined, problems: ConfigProblem[]): SwitchboardError {
  const where = source ? ` in ${source}` : "";
  return new SwitchboardError("config_invalid", `${problems.length} configuration problem(s)${where}`, {
    data: { source: source ?? null, problems },
  });
}
