// Configuration of access rules (gateway.access): who may list, search, describe, call, read or page which
// server's tools, prompts and resources. Part of the gateway section (schema.ts); see docs/access.md.
import { z } from "zod";

/** One glob or a list of them; `*` matches any run of characters, `?` one, case-sensitive. */
const globs = (what: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe(`${what} (globs: * any run of characters, ? one; case-sensitive). A string or a list.`);

export const AccessAnnotationsSchema = z
  .object({
    readOnlyHint: z.boolean().optional().describe("The tool's readOnlyHint must be this (absent on a tool: false)."),
    destructiveHint: z
      .boolean()
      .optional()
      .describe("The tool's destructiveHint must be this (absent on a tool: true)."),
    idempotentHint: z
      .boolean()
      .optional()
      .describe("The tool's idempotentHint must be this (absent on a tool: false)."),
    openWorldHint: z.boolean().optional().describe("The tool's openWorldHint must be this (absent on a tool: true)."),
  })
  .strict()
  .describe("Tool annotations a tool must have for the rule to match; makes the rule about tools only.");

export const AccessRuleSchema = z
  .object({
    effect: z.enum(["allow", "deny"]).describe("What the rule decides when it matches."),
    principals: globs("Principal names the rule applies to; with neither principals nor groups: everyone"),
    groups: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe("Groups the rule applies to (a principal in any one of them). A string or a list."),
    servers: globs("Server names the rule applies to; default every server"),
    tools: globs("Namespaced tool names (server{separator}tool); set: the rule is about tools"),
    prompts: globs("Namespaced prompt names (server{separator}prompt); set: the rule is about prompts"),
    resources: globs("Resource URIs or URI templates; set: the rule is about resources"),
    annotations: AccessAnnotationsSchema.optional(),
    hide: z
      .boolean()
      .default(true)
      .describe(
        "For deny rules: what it denies is hidden (left out of listings, search and describe; its use fails as if it did not exist). false: stays visible and its use fails with forbidden. Default true.",
      ),
  })
  .strict()
  .describe("One access rule; rules are checked in order and the first that matches decides.");

export const AccessSchema = z
  .object({
    default: z
      .enum(["allow", "deny"])
      .default("allow")
      .describe("What applies when no rule matches; default allow (deny hides everything no rule allows)."),
    rules: z.array(AccessRuleSchema).default([]).describe("Access rules, first match decides; default none."),
  })
  .strict()
  .describe("Access rules per principal and group (docs/access.md); default: everything allowed.");
