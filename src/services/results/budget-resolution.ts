// Which output budget and projection apply to a tool's results: the tool's own setting, else its server's, else
// the gateway default. A budget of 0 means none.
import type { ServerSpec } from "../../core/server-spec.ts";

/** What budget resolution reads of a server's spec. */
export type BudgetSpec = Pick<ServerSpec, "maxResultTokens" | "tools">;

/** Tokens a result of `tool` may cost before it is cut; 0: no budget. */
export function resolveBudget(spec: BudgetSpec | undefined, tool: string, gatewayDefault: number): number {
  return spec?.tools[tool]?.maxResultTokens ?? spec?.maxResultTokens ?? gatewayDefault;
}

/** The projection the caller asked for, else the tool's configured one; undefined (or empty): none. */
export function resolveFields(
  spec: BudgetSpec | undefined,
  tool: string,
  requested: readonly string[] | undefined,
): readonly string[] | undefined {
  const fields = requested !== undefined && requested.length > 0 ? requested : spec?.tools[tool]?.fields;
  return fields !== undefined && fields.length > 0 ? fields : undefined;
}

/**
 * Whether results of `tool` may reach a client changed: cut by a budget or projected by configured fields. Such a
 * tool is listed without its outputSchema, since a changed result no longer carries structuredContent that
 * conforms to it (see docs/budgets.md).
 */
export function reshapesResults(spec: BudgetSpec | undefined, tool: string, gatewayDefault: number): boolean {
  return resolveBudget(spec, tool, gatewayDefault) > 0 || resolveFields(spec, tool, undefined) !== undefined;
}

/** Whether a budget can cut some result of the server: one of its tools' own, or the one its other tools get. */
export function budgetCanCut(spec: BudgetSpec, gatewayDefault: number): boolean {
  const otherTools = resolveBudget({ ...spec, tools: {} }, "", gatewayDefault);
  return otherTools > 0 || Object.keys(spec.tools).some((tool) => resolveBudget(spec, tool, gatewayDefault) > 0);
}
