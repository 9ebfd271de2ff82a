// The access policy (gateway.access): which principal may use which server's tools, prompts and resources.
// Rules are checked in order and the first that matches decides; when none matches, `default` does. Pure: the
// rules are compiled once, every decision is a walk over them. docs/access.md states the semantics.
import type { AccessItem, AccessRule, AccessSettings, AnnotationMatch, Principal } from "../../core/identity.ts";

/**
 * What a principal may do with an item: `allow`; `hide` (denied by a hiding rule or by `default: deny`: it is
 * left out of every listing and its use fails as if it did not exist); `forbid` (denied by a rule with
 * `hide: false`: it stays listed and its use fails with `forbidden`).
 */
export type AccessVerdict = "allow" | "hide" | "forbid";

export interface AccessDecision {
  allowed: boolean;
  /** Index of the rule that decided; null when no rule matched and `default` applied. */
  rule: number | null;
}

export interface AccessPolicy {
  /** `default: allow` and no rules: everything is allowed, callers may skip filtering altogether. */
  readonly open: boolean;
  allows(principal: Principal, item: AccessItem): boolean;
  decide(principal: Principal, item: AccessItem): AccessDecision;
  /** The decision as the gateway applies it: allowed, hidden or visible but forbidden. */
  verdict(principal: Principal, item: AccessItem): AccessVerdict;
  /**
   * Whether a server shows at all (its own endpoint, search_tools' `server`): the verdict of the first rule about
   * the whole server, unless an earlier rule may allow one of its items (then `allow`: its items are decided one
   * by one). No rule: `allow` under `default: allow`, `hide` under `default: deny`.
   */
  server(principal: Principal, server: string): AccessVerdict;
}

/** MCP's values of tool annotation hints a tool does not state. */
const ANNOTATION_DEFAULTS: Required<AnnotationMatch> = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
};

interface CompiledRule {
  allow: boolean;
  hide: boolean;
  principals: RegExp[];
  groups: ReadonlySet<string>;
  servers: RegExp[];
  tools: RegExp[] | undefined;
  prompts: RegExp[] | undefined;
  resources: RegExp[] | undefined;
  annotations: [keyof AnnotationMatch, boolean][] | undefined;
  /** Sets tools, prompts, resources or annotations: not about a server as a whole. */
  itemSpecific: boolean;
  /** The tool and prompt globs as written (namespaced names), to tell which servers they can reach. */
  namedGlobs: string[] | undefined;
}

export function createAccessPolicy(settings: AccessSettings, separator: string): AccessPolicy {
  const rules = settings.rules.map(compileRule);
  const defaultAllows = settings.default === "allow";
  const open = defaultAllows && rules.length === 0;

  const decide = (principal: Principal, item: AccessItem): AccessDecision => {
    if (open) return { allowed: true, rule: null };
    for (const [index, rule] of rules.entries()) {
      if (matchesPrincipal(rule, principal) && matchesItem(rule, item)) return { allowed: rule.allow, rule: index };
    }
    return { allowed: defaultAllows, rule: null };
  };
  const verdictOf = (decision: AccessDecision): AccessVerdict => {
    if (decision.allowed) return "allow";
    return decision.rule !== null && !(rules[decision.rule] as CompiledRule).hide ? "forbid" : "hide";
  };
  return {
    open,
    decide,
    allows: (principal, item) => decide(principal, item).allowed,
    verdict: (principal, item) => verdictOf(decide(principal, item)),
    server(principal, server) {
      if (open) return "allow";
      for (const [index, rule] of rules.entries()) {
        if (!matchesPrincipal(rule, principal) || !anyMatch(rule.servers, server, true)) continue;
        if (!rule.itemSpecific) return verdictOf({ allowed: rule.allow, rule: index });
        // An allow rule about items makes the server show only if it can reach one of the server's items.
        if (rule.allow && reachesServer(rule, server, separator)) return "allow";
      }
      return defaultAllows ? "allow" : "hide";
    },
  };
}

function compileRule(rule: AccessRule): CompiledRule {
  const list = (values: readonly string[] | undefined) => values?.map(compileGlob);
  const annotations = rule.annotations
    ? (Object.entries(rule.annotations).filter(([, value]) => typeof value === "boolean") as [
        keyof AnnotationMatch,
        boolean,
      ][])
    : undefined;
  return {
    allow: rule.effect === "allow",
    hide: rule.hide,
    principals: list(rule.principals) ?? [],
    groups: new Set(rule.groups),
    servers: list(rule.servers) ?? [],
    tools: list(rule.tools),
    prompts: list(rule.prompts),
    resources: list(rule.resources),
    annotations,
    itemSpecific:
      rule.tools !== undefined || rule.prompts !== undefined || rule.resources !== undefined || !!annotations,
    namedGlobs: rule.resources !== undefined ? undefined : [...(rule.tools ?? []), ...(rule.prompts ?? [])],
  };
}

/** A rule naming neither principals nor groups applies to everyone; else to a named principal or a member. */
function matchesPrincipal(rule: CompiledRule, principal: Principal): boolean {
  if (rule.principals.length === 0 && rule.groups.size === 0) return true;
  if (anyMatch(rule.principals, principal.name, false)) return true;
  return principal.groups.some((group) => rule.groups.has(group));
}

function matchesItem(rule: CompiledRule, item: AccessItem): boolean {
  if (!anyMatch(rule.servers, item.server, true)) return false;
  switch (item.kind) {
    case "server":
      return !rule.itemSpecific;
    case "tool":
      if (!kindMatches(rule, rule.tools, item.name)) return false;
      return rule.annotations === undefined || annotationsMatch(rule.annotations, item.annotations);
    case "prompt":
      return rule.annotations === undefined && kindMatches(rule, rule.prompts, item.name);
    case "resource":
      // A URI read through a template is about the template too: a rule on either decides.
      return (
        rule.annotations === undefined &&
        (kindMatches(rule, rule.resources, item.uri) ||
          (item.template !== undefined && kindMatches(rule, rule.resources, item.template)))
      );
  }
}

/**
 * Whether an item-specific rule can match an item of `server`: its tool and prompt globs are namespaced names, so
 * one whose literal start rules out `server{sep}` cannot. Resource URIs name no server: such rules may reach any.
 */
function reachesServer(rule: CompiledRule, server: string, separator: string): boolean {
  if (rule.namedGlobs === undefined || rule.namedGlobs.length === 0) return true;
  const prefix = `${server}${separator}`;
  return rule.namedGlobs.some((glob) => {
    const wildcard = glob.search(/[*?]/);
    const literal = wildcard < 0 ? glob : glob.slice(0, wildcard);
    if (literal.length >= prefix.length) return literal.startsWith(prefix);
    return wildcard >= 0 && prefix.startsWith(literal);
  });
}

/** A rule naming no kind matches every item; one naming kinds matches only those kinds, by name. */
function kindMatches(rule: CompiledRule, patterns: RegExp[] | undefined, name: string): boolean {
  const namesKinds = rule.tools !== undefined || rule.prompts !== undefined || rule.resources !== undefined;
  if (!namesKinds) return true;
  return patterns !== undefined && anyMatch(patterns, name, false);
}

function annotationsMatch(
  wanted: readonly [keyof AnnotationMatch, boolean][],
  actual: Readonly<Record<string, unknown>> | undefined,
): boolean {
  return wanted.every(([hint, value]) => {
    const stated = actual?.[hint];
    return (typeof stated === "boolean" ? stated : ANNOTATION_DEFAULTS[hint]) === value;
  });
}

/** Whether a name matches one of the patterns; `emptyMatchesAll`: no patterns means every name. */
function anyMatch(patterns: readonly RegExp[], name: string, emptyMatchesAll: boolean): boolean {
  if (patterns.length === 0) return emptyMatchesAll;
  return patterns.some((pattern) => pattern.test(name));
}

/** `*` any run of characters (newlines too), `?` exactly one, everything else literal; whole string, case-sensitive. */
export function compileGlob(pattern: string): RegExp {
  let source = "";
  for (const char of pattern) {
    if (char === "*") source += "[\\s\\S]*";
    else if (char === "?") source += "[\\s\\S]";
    else source += char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "u");
}
