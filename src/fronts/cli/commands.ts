// The CLI's commands. Each returns an exit code; output goes to stdout, diagnostics to stderr.

import { createGateway } from "../../app/index.ts";
import { isSwitchboardError } from "../../core/errors.ts";
import type { ConfigProblem } from "../../core/gateway-config.ts";
import { startHttpFront } from "../http/http-front.ts";
import { serveStdio } from "../stdio/stdio-front.ts";
import { type CliArgs, UsageError } from "./args.ts";
import { authorizeServer } from "./authorize.ts";
import { logStartupBanner } from "./banner.ts";
import { configPath, loadCliConfig } from "./config-source.ts";
import { configWarnings } from "./config-warnings.ts";
import { err, out } from "./output.ts";
import { installProcessGuard } from "./process-guard.ts";
import { watchShutdownSignals } from "./shutdown-signals.ts";
import { formatTable } from "./table.ts";
import { openTarget, type ServerRow, type Target } from "./target.ts";
import { REVIEW_ACTIONS, toolsReview } from "./tools-review.ts";
import { toolsTokens } from "./tools-tokens.ts";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export async function checkConfig(args: CliArgs): Promise<number> {
  const path = configPath(args);
  try {
    const config = loadCliConfig(args);
    const enabled = config.servers.filter((s) => s.enabled).length;
    // Warnings do not fail the check: the file is valid, and a command may exist where the gateway will run.
    const warnings = configWarnings(config);
    if (args.json) out(JSON.stringify({ valid: true, path, servers: config.servers.map((s) => s.name), warnings }));
    else {
      out(`${path}: valid (${config.servers.length} servers, ${enabled} enabled)`);
      for (const w of warnings) err(`warning: ${w.path}: ${w.message}`);
    }
    return EXIT_OK;
  } catch (error) {
    if (!isSwitchboardError(error, "config_invalid")) throw error;
    const problems = (error.data?.problems ?? []) as ConfigProblem[];
    if (args.json) out(JSON.stringify({ valid: false, path, problems }));
    else printProblems(path, problems);
    return EXIT_USAGE;
  }
}

export function printProblems(path: string, problems: readonly ConfigProblem[]): void {
  err(`${path}: ${problems.length} problem(s)`);
  for (const p of problems) err(`  ${p.path || "(file)"}: ${p.message}`);
}

/** `serve`: HTTP front until SIGINT/SIGTERM/SIGHUP, then one graceful drain; the exit status says how it went. */
export async function serve(args: CliArgs): Promise<number> {
  const gateway = await createGateway(loadCliConfig(args));
  installProcessGuard({ logger: gateway.logger, events: gateway.events, process });
  await gateway.start();
  let front: Awaited<ReturnType<typeof startHttpFront>>;
  try {
    front = await startHttpFront(gateway);
  } catch (error) {
    await gateway.close(); // eager servers must not outlive a gateway that could not bind
    throw error;
  }
  // Signal handlers first: whoever reads the banner may send SIGTERM at once, and a signal that arrives before
  // its handler takes the default action (the process dies without draining).
  const signals = watchShutdownSignals({
    logger: gateway.logger,
    drain: async () => {
      await Promise.all([front.close(), gateway.close()]);
      return gateway.supervisor.drainedCleanly;
    },
    shorten: (ms) => gateway.supervisor.shortenGrace(ms),
  });
  logStartupBanner(gateway.config, gateway.logger, front.url);
  // Listeners stay until the process exits: a late signal must not kill it with the default action.
  return signals.exitCode;
}

/** `stdio`: aggregated endpoint on stdin/stdout until stdin ends. */
export async function stdio(args: CliArgs): Promise<number> {
  const gateway = await createGateway(loadCliConfig(args));
  installProcessGuard({ logger: gateway.logger, events: gateway.events, process });
  await gateway.start();
  const signals = watchShutdownSignals({
    logger: gateway.logger,
    drain: async () => {
      await gateway.close();
      return gateway.supervisor.drainedCleanly;
    },
    shorten: (ms) => gateway.supervisor.shortenGrace(ms),
  });
  // Whichever comes first: stdin ends (the client is done), or a signal's drain is over.
  return Promise.race([
    serveStdio(gateway).then(async () => {
      await gateway.close();
      return EXIT_OK;
    }),
    signals.exitCode,
  ]);
}

export async function servers(args: CliArgs): Promise<number> {
  const [, action = "list", name] = args.positionals;
  if (!["list", "start", "stop", "authorize"].includes(action))
    throw new UsageError(`unknown action "servers ${action}"`);
  if (action !== "list" && !name) throw new UsageError(`servers ${action} needs a server name`);
  if (action === "authorize") return authorizeServer(args, name as string);
  return withTarget(args, async (target) => {
    if (action === "list") {
      const rows = await target.servers();
      if (args.json) out(JSON.stringify(rows));
      else out(table(rows));
      return EXIT_OK;
    }
    const row = action === "start" ? await target.start(name as string) : await target.stop(name as string);
    if (action === "start" && target.kind === "local") return startChecked(row, args.json);
    if (args.json) out(JSON.stringify(row));
    else out(`${row.name}: ${row.status}${row.pid ? ` (pid ${row.pid})` : ""}`);
    return EXIT_OK;
  });
}

/**
 * `servers start` without a running gateway: the server is stopped again when the command ends, so what it
 * shows is that the server can start, not that it runs.
 */
function startChecked(row: ServerRow, json: boolean | undefined): number {
  if (json) {
    const { name, tools, readyInMs } = row;
    out(JSON.stringify({ name, checkOnly: true, canStart: true, readyInMs: readyInMs ?? null, tools }));
    return EXIT_OK;
  }
  const took = row.readyInMs === undefined ? "" : `ready in ${row.readyInMs} ms, `;
  out(
    `started and stopped: server ${row.name} can start (${took}${row.tools ?? "?"} tools); ` +
      "use --url to start it in a running gateway",
  );
  return EXIT_OK;
}

export async function tools(args: CliArgs): Promise<number> {
  const [, action = "list", name] = args.positionals;
  if (action === "tokens") return toolsTokens(args);
  if ((REVIEW_ACTIONS as readonly string[]).includes(action))
    return toolsReview(args, action as (typeof REVIEW_ACTIONS)[number]);
  if (action !== "list" && action !== "call") throw new UsageError(`unknown action "tools ${action}"`);
  if (action === "call" && !name) throw new UsageError("tools call needs a tool name");
  return withTarget(args, async (target) => {
    if (action === "list") {
      const response = await target.rpc("tools/list", {}, args.server);
      if (response.error) return rpcFailure(response.error);
      const list = (response.result?.tools ?? []) as { name: string; description?: string }[];
      if (args.json) out(JSON.stringify(list));
      else for (const tool of list) out(`${tool.name}${tool.description ? `  ${firstLine(tool.description)}` : ""}`);
      return EXIT_OK;
    }
    let toolArgs: unknown = {};
    try {
      toolArgs = args.args ? JSON.parse(args.args) : {};
    } catch {
      throw new UsageError("--args must be a JSON object");
    }
    const response = await target.rpc("tools/call", { name, arguments: toolArgs }, args.server);
    if (response.error) return rpcFailure(response.error);
    const result = response.result ?? {};
    if (args.json) out(JSON.stringify(result));
    else
      for (const block of (result.content ?? []) as { type: string; text?: string }[])
        out(block.type === "text" ? String(block.text) : JSON.stringify(block));
    return result.isError ? EXIT_FAILURE : EXIT_OK;
  });
}

async function withTarget(args: CliArgs, run: (target: Target) => Promise<number>): Promise<number> {
  const target = await openTarget(args);
  try {
    return await run(target);
  } finally {
    await target.close();
  }
}

function rpcFailure(error: { code: number; message: string; data?: unknown }): number {
  err(`error ${error.code}: ${error.message}`);
  return EXIT_FAILURE;
}

function firstLine(text: string): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

function table(rows: readonly ServerRow[]): string {
  const header = ["NAME", "STATUS", "PID", "SANDBOX", "TOOLS", "RESTARTS", "LAST ACTIVITY"];
  const body = rows.map((r) =>
    [r.name, r.status, r.pid ?? "-", sandboxCell(r), r.tools ?? "?", r.restarts, r.lastActivity ?? "-"].map(String),
  );
  return formatTable(header, body);
}

/**
 * The isolation in effect as `backend/network` (`bubblewrap/none`); `-` when nothing runs (or a gateway too old
 * to say); `none!` when the server runs unconfined although its profile asked for a backend (a fallback).
 */
export function sandboxCell(row: Pick<ServerRow, "confinement">): string {
  const confinement = row.confinement;
  if (!confinement) return "-";
  if (confinement.backend === "none" && confinement.requested !== "none") return "none!";
  return `${confinement.backend}/${confinement.network}`;
}
