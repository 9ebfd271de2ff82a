// Normalizes the observability settings: the log file made absolute, the OTLP endpoint resolved (`${VAR}`),
// checked and completed with `/v1/traces`, export headers resolved.
import { resolve } from "node:path";
import type { ConfigProblem, TracingSettings, UpstreamStderrSettings } from "../core/gateway-config.ts";
import { interpolate } from "./interpolate.ts";
import type { GatewaySection } from "./schema.ts";

export interface ObservabilitySettings {
  jsonLogs: boolean | undefined;
  logFile: string | undefined;
  upstreamStderr: UpstreamStderrSettings;
  tracing: TracingSettings;
}

const TRACES_PATH = "/v1/traces";

export function normalizeObservability(
  section: GatewaySection,
  vars: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
): ObservabilitySettings {
  const resolved = (value: string, path: string): string | undefined => {
    const { value: text, missing } = interpolate(value, vars);
    if (missing.length === 0) return text;
    problems.push({ path, message: `undefined environment variable ${missing.map((m) => `\${${m}}`).join(", ")}` });
    return undefined;
  };
  const { tracing } = section;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(tracing.headers)) {
    headers[name] = resolved(value, `gateway.tracing.headers.${name}`) ?? "";
  }
  const configDir = vars.SWITCHBOARD_CONFIG_DIR ?? process.cwd();
  return {
    jsonLogs: section.jsonLogs,
    logFile: section.logFile ? resolve(configDir, section.logFile) : undefined,
    upstreamStderr: { ...section.upstreamStderr },
    tracing: {
      ...tracing,
      endpoint: tracesUrl(tracing.endpoint && resolved(tracing.endpoint, "gateway.tracing.endpoint"), problems),
      headers,
    },
  };
}

/** The collector's traces URL: a base URL gets `/v1/traces`; only http(s) is spoken (OTLP/HTTP, JSON). */
function tracesUrl(endpoint: string | undefined, problems: ConfigProblem[]): string | undefined {
  if (!endpoint) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    problems.push({ path: "gateway.tracing.endpoint", message: `not a URL: ${endpoint}` });
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push({
      path: "gateway.tracing.endpoint",
      message: `OTLP export speaks HTTP: use an http(s) URL (e.g. http://collector:4318), not ${url.protocol}`,
    });
    return undefined;
  }
  if (!url.pathname.endsWith(TRACES_PATH)) url.pathname = `${url.pathname.replace(/\/+$/, "")}${TRACES_PATH}`;
  return url.toString();
}
