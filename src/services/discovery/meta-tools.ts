// The gateway's own tools of progressive discovery. Their descriptions are short on purpose (they are the
// whole listing a model pays for) and say how the four fit together: search → describe → call → read_result.

export const SEARCH_TOOLS = "search_tools";
export const DESCRIBE_TOOLS = "describe_tools";
export const CALL_TOOL = "call_tool";
export const READ_RESULT = "read_result";

export const META_TOOL_NAMES: ReadonlySet<string> = new Set([SEARCH_TOOLS, DESCRIBE_TOOLS, CALL_TOOL, READ_RESULT]);

export type SearchDetail = "name" | "summary" | "full";

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

export const SEARCH_TOOLS_DEFINITION = {
  name: SEARCH_TOOLS,
  description:
    "Find tools by what you want to do; searches every connected server. Returns the best matches. Use call_tool to run one (describe_tools first if you need its full input schema).",
  inputSchema: {
    type: "object",
    properties: {
      query: { type: "string", description: "The task or capability, in plain words." },
      server: { type: "string", description: "Only this server's tools." },
      limit: { type: "integer", minimum: 1, description: "Number of results; default 5." },
      detail: {
        type: "string",
        enum: ["name", "summary", "full"],
        description: "name, summary (default: with description and parameters) or full (with input schema).",
      },
    },
    required: ["query"],
  },
  annotations: readOnly,
};

export const DESCRIBE_TOOLS_DEFINITION = {
  name: DESCRIBE_TOOLS,
  description: "Full definitions (description and input schema) of tools named by search_tools.",
  inputSchema: {
    type: "object",
    properties: { names: { type: "array", items: { type: "string" }, description: "Tool names." } },
    required: ["names"],
  },
  annotations: readOnly,
};

export const CALL_TOOL_DEFINITION = {
  name: CALL_TOOL,
  description: "Run a tool found with search_tools, with arguments that match its input schema.",
  inputSchema: {
    type: "object",
    properties: {
      name: { type: "string", description: "Tool name from search_tools." },
      arguments: { type: "object", description: "The tool's arguments." },
      fields: {
        type: "array",
        items: { type: "string" },
        description: "Optional: keep only these fields of a JSON result (dotted paths).",
      },
    },
    required: ["name"],
  },
};

export const READ_RESULT_DEFINITION = {
  name: READ_RESULT,
  description: "Read more of a tool result that was cut to fit the output budget, with the handle and offset it gave.",
  inputSchema: {
    type: "object",
    properties: {
      handle: { type: "string" },
      offset: { type: "integer", minimum: 0 },
    },
    required: ["handle"],
  },
  annotations: readOnly,
};

/** The progressive listing's gateway tools, in listing order. */
export const PROGRESSIVE_META_TOOLS: readonly Record<string, unknown>[] = [
  SEARCH_TOOLS_DEFINITION,
  DESCRIBE_TOOLS_DEFINITION,
  CALL_TOOL_DEFINITION,
  READ_RESULT_DEFINITION,
];
