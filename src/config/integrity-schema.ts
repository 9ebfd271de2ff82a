// The `pinning`, `onChange`, `screening` and `secretScan` settings of a server (and of gateway.serverDefaults):
// what the gateway pins of a server's definitions and what a new, changed or hostile-looking one may do.
import { z } from "zod";
import {
  CHANGE_ACTIONS,
  DEFAULT_INTEGRITY,
  FINDING_ACTIONS,
  FINDING_SEVERITIES,
  PINNING_MODES,
  RESULT_SCREENING_MODES,
  SECRET_ACTIONS,
} from "../core/integrity.ts";

const ScreeningSchema = z
  .object({
    definitions: z
      .boolean()
      .optional()
      .describe("Screen tool, prompt and resource-template definitions when first seen or changed; default true."),
    quarantineAt: z
      .enum([...FINDING_SEVERITIES, "never"])
      .optional()
      .describe(
        `Findings of at least this severity hold the item for review; lower ones are flagged (shown in review, logged); default ${DEFAULT_INTEGRITY.screening.quarantineAt}.`,
      ),
    rules: z
      .record(z.string(), z.enum(FINDING_ACTIONS))
      .optional()
      .describe("What a finding of a rule does, by rule id (docs/integrity.md): off, flag or quarantine."),
    results: z
      .enum(RESULT_SCREENING_MODES)
      .optional()
      .describe(
        "Screen the text of tool results after they are answered (findings are logged and counted): characters (default: hidden, control and escape characters), full (also instructions aimed at the model; ~1 ms per 10 KB), off.",
      ),
  })
  .strict()
  .describe("Screening for content aimed at the model: hidden characters, escapes, instructions, shadowing.");

export const integritySettings = {
  pinning: z
    .enum(PINNING_MODES)
    .optional()
    .describe(
      "on-first-use (default): the first definitions seen are trusted and pinned. approve-new: nothing is listed or callable until approved. off: no pins.",
    ),
  onChange: z
    .enum(CHANGE_ACTIONS)
    .optional()
    .describe(
      "A definition (or the server's identity) differing from its pin: quarantine (default: hidden and refused until approved), warn (served and logged), accept.",
    ),
  screening: ScreeningSchema.optional(),
  secretScan: z
    .object({
      arguments: z
        .enum(SECRET_ACTIONS)
        .optional()
        .describe("Secrets in a call's arguments: off (default), redact, or block the call."),
      results: z
        .enum(SECRET_ACTIONS)
        .optional()
        .describe("Secrets in a tool's result: off (default), redact, or block the result."),
    })
    .strict()
    .optional()
    .describe("Secret detection with secretlint's recommended rules."),
};

export type ScreeningEntry = z.infer<typeof ScreeningSchema>;
