// Tool definitions as the gateway lists them when it may change results. MCP says a tool that declares an
// outputSchema MUST return structuredContent conforming to it, and clients validate (the MCP SDKs reject a result
// without it); a result cut by a budget carries none, a projected one may no longer conform. So a tool whose
// results may be cut or projected is listed without its outputSchema: the gateway promises only what it keeps.

type Tool = Record<string, unknown>;

/**
 * The tools with outputSchema left out of those whose results `reshaped` says may change; the same array when
 * no definition changes (so cached listings stay shared).
 */
export function listedTools(tools: readonly Tool[], reshaped: (tool: Tool) => boolean): readonly Tool[] {
  let changed = false;
  const listed = tools.map((tool) => {
    if (tool.outputSchema === undefined || !reshaped(tool)) return tool;
    changed = true;
    const { outputSchema: _dropped, ...rest } = tool;
    return rest;
  });
  return changed ? listed : tools;
}
