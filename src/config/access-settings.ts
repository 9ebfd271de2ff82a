// Normalizes gateway.access: lists given as one string become lists, and rules that cannot mean what they say
// (annotations on a prompt or resource rule, empty globs) are reported with their path.
import type { ConfigProblem } from "../core/gateway-config.ts";
import type { AccessRule, AccessSettings } from "../core/identity.ts";
import type { GatewaySection } from "./schema.ts";

const PATH = "gateway.access";

type RuleSection = GatewaySection["access"]["rules"][number];
const GLOB_FIELDS = ["principals", "groups", "servers", "tools", "prompts", "resources"] as const;

export function normalizeAccess(section: GatewaySection["access"], problems: ConfigProblem[]): AccessSettings {
  return {
    default: section.default,
    rules: section.rules.map((rule, index) => normalizeRule(rule, `${PATH}.rules[${index}]`, problems)),
  };
}

function normalizeRule(rule: RuleSection, path: string, problems: ConfigProblem[]): AccessRule {
  for (const field of GLOB_FIELDS) {
    const values = listOf(rule[field]);
    if (values?.some((value) => value === ""))
      problems.push({ path: `${path}.${field}`, message: "an empty name matches nothing; remove it" });
  }
  if (rule.annotations && (rule.prompts !== undefined || rule.resources !== undefined)) {
    problems.push({
      path: `${path}.annotations`,
      message: "annotations are tool annotations: a rule with annotations cannot name prompts or resources",
    });
  }
  return {
    effect: rule.effect,
    principals: listOf(rule.principals) ?? [],
    groups: listOf(rule.groups) ?? [],
    servers: listOf(rule.servers) ?? [],
    tools: listOf(rule.tools),
    prompts: listOf(rule.prompts),
    resources: listOf(rule.resources),
    annotations: rule.annotations ? { ...rule.annotations } : undefined,
    hide: rule.hide,
  };
}

function listOf(value: string | readonly string[] | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? [value] : [...value];
}
