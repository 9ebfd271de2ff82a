// `switchboard tools tokens`: what the tool listing costs a model (estimated tokens per server, full against
// progressive listing, budget savings), from a running gateway (--url) or straight from the configuration and
// its manifest cache, without starting any server.
import { commandLogger, createGateway } from "../../app/index.ts";
import { SwitchboardError } from "../../core/errors.ts";
import type { TokenReport } from "../../services/tokens/token-accounting.ts";
import type { CliArgs } from "./args.ts";
import { loadCliConfig } from "./config-source.ts";
import { err, out } from "./output.ts";
import { authHint, remoteHeaders } from "./remote-auth.ts";
import { formatTable } from "./table.ts";

export async function toolsTokens(args: CliArgs): Promise<number> {
  const url = args.url ?? process.env.SWITCHBOARD_URL;
  const report = url ? await remote(url) : await local(args);
  if (args.json) out(JSON.stringify(report));
  else out(formatReport(report));
  return 0;
}

async function remote(base: string): Promise<TokenReport> {
  let response: Response;
  try {
    response = await fetch(new URL("/tokens", base), { headers: remoteHeaders() });
  } catch (error) {
    throw new SwitchboardError(
      "upstream_unavailable",
      `cannot reach the gateway at ${base}: ${(error as Error).cause ?? error}`,
    );
  }
  const body = (await response.json()) as TokenReport & { message?: string };
  if (!response.ok)
    throw new SwitchboardError("internal", (body.message ?? `HTTP ${response.status}`) + authHint(response.status));
  return body;
}

/** Builds the gateway without starting it: only the manifest cache is read. */
async function local(args: CliArgs): Promise<TokenReport> {
  const config = loadCliConfig(args);
  const gateway = await createGateway(config, { logger: commandLogger("error") });
  try {
    await gateway.catalog.load();
    const unknown = gateway.catalog.unknownServers();
    if (unknown.length > 0 && !args.json) {
      err(`not counted (never started, tools unknown): ${unknown.join(", ")}`);
    }
    // This gateway never served a call: budget statistics belong to a running one.
    return { ...(await gateway.tokens.report()), budgets: null };
  } finally {
    await gateway.close();
  }
}

/** One row per server (most expensive first), then the totals. */
export function formatReport(report: TokenReport): string {
  const share = (tokens: number) =>
    report.full.total === 0 ? "-" : `${((tokens / report.full.total) * 100).toFixed(1)}%`;
  const servers = Object.entries(report.full.servers).sort(([, a], [, b]) => b - a);
  const rows = servers.map(([name, tokens]) => [name, String(tokens), share(tokens)]);
  const { progressive, budgets } = report;
  const lines = [
    formatTable(
      ["SERVER", "TOKENS", "SHARE"],
      [...rows, ["(full listing)", String(report.full.total), share(report.full.total)]],
    ),
    "",
    `full listing:        ${report.full.total} tokens, ${report.full.tools} tools`,
    `progressive listing: ${progressive.total} tokens (meta-tools ${progressive.metaTools}, pinned ${progressive.pinned})`,
    `reduction:           ${report.reductionPercent}%`,
    budgets
      ? `budgets:             ${budgets.cutResults} results cut, ${budgets.tokensSaved} tokens saved`
      : "budgets:             not available",
    `(estimates, ${report.encoding})`,
  ];
  return lines.join("\n");
}
