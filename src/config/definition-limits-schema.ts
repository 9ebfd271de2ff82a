// Bounds on the definitions servers offer (tools, prompts, resources, resource templates): part of the gateway
// section (schema.ts). One server must not be able to make every listing, search index and token count huge.
import { z } from "zod";

export const DEFAULT_DEFINITION_LIMITS = {
  maxDescriptionChars: 8192,
  maxDefinitionBytes: 65_536,
  maxItems: 1000,
  maxManifestBytes: 4 * 1024 * 1024,
} as const;

export const DefinitionLimitsSchema = z
  .object({
    maxDescriptionChars: z
      .number()
      .int()
      .min(64)
      .default(DEFAULT_DEFINITION_LIMITS.maxDescriptionChars)
      .describe(
        "Longer descriptions (of a tool, prompt, resource or template) are cut to this many characters, ending with a marker. Characters; default 8192.",
      ),
    maxDefinitionBytes: z
      .number()
      .int()
      .min(1024)
      .default(DEFAULT_DEFINITION_LIMITS.maxDefinitionBytes)
      .describe(
        "A definition whose JSON is larger than this after its description was cut (e.g. a huge input schema) is refused; longer server instructions are cut to this many characters, a larger serverInfo or capabilities reduced. Bytes (UTF-8); default 65536.",
      ),
    maxItems: z
      .number()
      .int()
      .min(1)
      .default(DEFAULT_DEFINITION_LIMITS.maxItems)
      .describe(
        "Most tools (and, each on its own, prompts, resources, resource templates) kept per server; the rest are refused. Default 1000.",
      ),
    maxManifestBytes: z
      .number()
      .int()
      .min(65_536)
      .default(DEFAULT_DEFINITION_LIMITS.maxManifestBytes)
      .describe(
        "Most JSON bytes of one server's definitions, all lists together (what the manifest cache and registry store); definitions past it are refused. Bytes; default 4194304.",
      ),
  })
  .strict()
  .describe(
    "Bounds on server definitions; what is cut or refused is logged once, listed in GET /servers/{name} (limitedDefinitions) and counted in switchboard_definitions_limited_total.",
  );
