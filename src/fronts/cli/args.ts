// Command-line parsing for every subcommand (node:util parseArgs; no dependency).
import { parseArgs } from "node:util";

export const OPTIONS = {
  config: { type: "string", short: "c" },
  url: { type: "string" },
  host: { type: "string" },
  port: { type: "string", short: "p" },
  "state-dir": { type: "string" },
  "log-level": { type: "string" },
  server: { type: "string", short: "s", multiple: true },
  tool: { type: "string" },
  principal: { type: "string" },
  since: { type: "string" },
  limit: { type: "string" },
  action: { type: "string" },
  args: { type: "string", short: "a" },
  tag: { type: "string" },
  json: { type: "boolean" },
  groups: { type: "string" },
  expires: { type: "string" },
  description: { type: "string" },
  interval: { type: "string", short: "i" },
  once: { type: "boolean" },
  "insecure-bind": { type: "boolean" },
  kind: { type: "string" },
  all: { type: "boolean" },
  hash: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

export interface CliArgs {
  positionals: string[];
  config: string | undefined;
  url: string | undefined;
  host: string | undefined;
  port: number | undefined;
  stateDir: string | undefined;
  logLevel: string | undefined;
  /** The last --server given (commands that take one). */
  server: string | undefined;
  /** Every --server given, in order (`image build` takes several). */
  servers: string[];
  tool: string | undefined;
  /** `audit`: calls by this principal; `keys create`: whom the key authenticates; `credentials`: whose value. */
  principal: string | undefined;
  since: string | undefined;
  limit: string | undefined;
  /** `audit`: records of this action only (call, approve, reject; checked by the command). */
  action: string | undefined;
  args: string | undefined;
  /** `image build`: the image's name. */
  tag: string | undefined;
  json: boolean;
  /** `keys create`: comma-separated group names. */
  groups: string | undefined;
  /** `keys create`: a duration (30d, 12h) or an ISO time. */
  expires: string | undefined;
  /** `keys create`: what the key is for. */
  description: string | undefined;
  /** `status`: seconds between refreshes (validated by the command). */
  interval: string | undefined;
  once: boolean;
  /** `serve`: bind a non-loopback address without allowedHosts (no Host check, no authentication). */
  insecureBind: boolean;
  /** `tools diff|approve|reject`: what the names are (tool, prompt, resourceTemplate); default tool. */
  kind: string | undefined;
  /** `tools pending`: every pin, approved ones too. */
  all: boolean;
  /** `tools approve|reject`: the hash the operator reviewed (refused if the item changed since). */
  hash: string | undefined;
  help: boolean;
  version: boolean;
}

export class UsageError extends Error {}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  let port: number | undefined;
  if (v.port !== undefined) {
    port = Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be 0..65535, got "${v.port}"`);
  }
  return {
    positionals: parsed.positionals,
    config: v.config,
    url: v.url,
    host: v.host,
    port,
    stateDir: v["state-dir"],
    logLevel: v["log-level"],
    server: v.server?.at(-1),
    servers: v.server ?? [],
    tool: v.tool,
    principal: v.principal,
    since: v.since,
    limit: v.limit,
    action: v.action,
    args: v.args,
    tag: v.tag,
    json: v.json ?? false,
    groups: v.groups,
    expires: v.expires,
    description: v.description,
    interval: v.interval,
    once: v.once ?? false,
    insecureBind: v["insecure-bind"] ?? false,
    kind: v.kind,
    all: v.all ?? false,
    hash: v.hash,
    help: v.help ?? false,
    version: v.version ?? false,
  };
}

export const USAGE = `Usage: switchboard <command> [options]

Commands:
  serve                     Run the gateway: MCP at /mcp and /mcp/{server}, admin API (default 127.0.0.1:8080)
  stdio                     Serve the aggregated endpoint on stdin/stdout (for desktop clients)
  check-config              Validate the configuration; lists every problem, exit 2 when invalid
  doctor                    Check what the deployment needs (Node, state directory, database, Redis, sandbox
                            tools, server commands); exit 1 when a check fails
  servers list              Servers with status, pid, last activity, restarts, tool count
  servers start NAME        Start a server
  servers stop NAME         Stop a server
  tools list [--server S]   Tools (namespaced, or one server's own names with --server)
  tools call NAME [--args JSON]
                            Call a tool; exit 1 when the call fails or the tool reports an error
  tools pending [--all]     Tools, prompts and templates held for review (new, changed, rejected)
  tools diff SERVER/NAME    What changed, field by field, against the approved definition
  tools approve|reject SERVER/NAME... | --server S
                            Decide held items (recorded in the audit log under who decided)
  tools tokens              Estimated tokens of the tool listing per server, full against progressive, and
                            what output budgets saved (from --url, else from the config's manifest cache)
  keys create --principal NAME [--groups a,b] [--expires 30d|ISO] [--description TEXT]
                            Create an API key; the key is printed once, as the last line
  keys list                 API keys with principal, groups, status and expiry (never the key)
  keys revoke ID            Revoke an API key (from --url, else in the configured store)
  audit [--server S] [--tool T] [--since ISO] [--limit N]
                            Recorded tool calls, newest first (from --url, else from the configured store)
  status [--interval S] [--once]
                            Live dashboard of a running gateway (--url, else the config's host and port):
                            servers, states, request rates, latency, errors, breakers; redrawn every S
                            seconds (default 2) until Ctrl-C. --once prints the health JSON and exits
  credentials set SERVER SLOT [--principal NAME]
                            Store a value (read from stdin) for a per-principal server's credential slot
  credentials list [SERVER] Stored credentials (server, slot, principal; never values)
  credentials delete SERVER SLOT [--principal NAME]
                            Delete a stored value
  image build [--tag T] [--server NAME]...
                            Build the local podman image of sandboxed Node servers from this host's Node
                            (no registry); --server bakes that server's npm package into it
  help [COMMAND]            This list, or one command's options and examples (also: COMMAND --help)

Options:
  -c, --config FILE   Configuration file (default: $MCP_CONFIG_PATH, else ./switchboard.json)
      --url URL       Talk to a running gateway (default: $SWITCHBOARD_URL) instead of loading the config
      --host HOST     Bind address for serve (default 127.0.0.1; env MCP_BIND_HOST); a non-loopback
                      address needs gateway.allowedHosts or --insecure-bind
  -p, --port PORT     Port for serve (default 8080; 0 picks a free one)
      --state-dir DIR State directory (default: gateway.stateDir, relative to the config file's folder,
                      else .switchboard beside the config file)
      --log-level LVL fatal|error|warn|info|debug|trace|silent
      --json          Machine-readable output
  -i, --interval S    Seconds between refreshes of status (default 2)
      --once          status: print the health document once, as JSON
  -h, --help          This help
  -v, --version       Print the version

Exit codes: 0 success, 1 failure (call failed, gateway unreachable), 2 usage or configuration error.`;
