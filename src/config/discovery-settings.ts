// Normalizes the discovery section: the `minimal` alias becomes progressive, the embeddings endpoint's
// `${VAR}` references are resolved, and a semantic search that cannot work is reported as a problem.
import type { ConfigProblem, DiscoveryMode, DiscoverySettings } from "../core/gateway-config.ts";
import { interpolate } from "./interpolate.ts";
import type { GatewaySection } from "./schema.ts";

/** `minimal` is the seeds' name of the progressive mode. */
export function canonicalMode(mode: "full" | "progressive" | "minimal" | "auto"): DiscoveryMode {
  return mode === "minimal" ? "progressive" : mode;
}

export function normalizeDiscovery(
  section: GatewaySection["discovery"],
  vars: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
): DiscoverySettings {
  const { semantic } = section.search;
  const resolved = (value: string | undefined, path: string): string | undefined => {
    if (value === undefined) return undefined;
    const { value: out, missing } = interpolate(value, vars);
    if (missing.length > 0) {
      problems.push({ path, message: `undefined environment variable ${missing.map((m) => `\${${m}}`).join(", ")}` });
    }
    return out === "" ? undefined : out;
  };
  const base = "gateway.discovery.search.semantic";
  const url = resolved(semantic.url, `${base}.url`);
  if (url !== undefined && !/^https?:\/\/[^/]/.test(url))
    problems.push({ path: `${base}.url`, message: "expected an http(s):// URL" });
  if (semantic.enabled && semantic.provider === "openai" && (url === undefined || semantic.model === undefined)) {
    problems.push({ path: base, message: "semantic search with provider openai needs `url` and `model`" });
  }
  if (section.search.defaultLimit > section.search.maxLimit) {
    problems.push({ path: "gateway.discovery.search.defaultLimit", message: "must not exceed maxLimit" });
  }
  return {
    mode: canonicalMode(section.mode),
    autoThreshold: section.autoThreshold,
    listWaitMs: section.listWaitMs,
    pinned: [...section.pinned],
    clients: section.clients.map((c) => ({
      name: c.name,
      mode: c.mode === undefined ? undefined : canonicalMode(c.mode),
      pinned: c.pinned,
    })),
    search: {
      defaultLimit: section.search.defaultLimit,
      maxLimit: section.search.maxLimit,
      semantic: {
        enabled: semantic.enabled,
        provider: semantic.provider,
        url: url?.replace(/\/+$/, ""),
        model: semantic.model,
        apiKey: resolved(semantic.apiKey, `${base}.apiKey`),
        dimensions: semantic.dimensions,
        batchSize: semantic.batchSize,
        timeoutMs: semantic.timeoutMs,
      },
    },
  };
}
