// Help of each subcommand (`switchboard help COMMAND`, `switchboard COMMAND --help`): its options and examples.
import { USAGE } from "./args.ts";

const CONFIG = "  -c, --config FILE   Configuration file (default: $MCP_CONFIG_PATH, else ./switchboard.json)";
const URL = "      --url URL       A running gateway (default: $SWITCHBOARD_URL) instead of the configuration";
const STATE = "      --state-dir DIR State directory (default: the config's, else .switchboard beside the config file)";
const JSON_OPTION = "      --json          Machine-readable output";
const LOG = "      --log-level LVL fatal|error|warn|info|debug|trace|silent";

const COMMAND_HELP: Readonly<Record<string, string>> = {
  serve: `Usage: switchboard serve [options]

Runs the gateway until SIGINT or SIGTERM: MCP at /mcp (all servers) and /mcp/{server} (one server, its own
names), the admin API (/servers, /audit, /health, /metrics). Prints the endpoints and the state directory.

Options:
${CONFIG}
      --host HOST     Bind address (default 127.0.0.1; env MCP_BIND_HOST). A non-loopback address needs
                      gateway.allowedHosts, or --insecure-bind (no authentication: anyone who reaches it may call)
      --insecure-bind Allow a non-loopback bind without allowedHosts (no Host check, no authentication)
  -p, --port PORT     Port (default 8080; 0 picks a free one)
${STATE}
${LOG}

Examples:
  switchboard serve --config switchboard.json
  switchboard serve --config switchboard.json --port 0 --log-level debug`,

  stdio: `Usage: switchboard stdio [options]

Serves the aggregated endpoint on stdin/stdout until stdin ends (for desktop clients). Logs go to stderr.

Options:
${CONFIG}
${STATE}
${LOG}

Example (a desktop client's configuration):
  { "mcpServers": { "switchboard": { "command": "switchboard", "args": ["stdio", "--config", "/abs/switchboard.json"] } } }`,

  "check-config": `Usage: switchboard check-config [options]

Validates the configuration and lists every problem with its JSON path. Exit 0 when valid, 2 when not.

Options:
${CONFIG}
${JSON_OPTION}

Examples:
  switchboard check-config --config switchboard.json
  switchboard check-config --json`,

  doctor: `Usage: switchboard doctor [options]

Checks what the deployment needs, without starting anything: Node, the state directory, the database
(DATABASE_URL), Redis (REDIS_URL), the sandbox backends, and every server's command and sandbox. Exit 1
when a check fails (a server whose sandbox backend is missing under onUnavailable "fail"), 2 when the
configuration is invalid.

Options:
${CONFIG}
${STATE}
${JSON_OPTION}

Examples:
  switchboard doctor --config switchboard.json
  DATABASE_URL=postgresql://db.example:5432/switchboard switchboard doctor --json`,

  servers: `Usage: switchboard servers list|start NAME|stop NAME|authorize NAME [options]

  servers list        Servers with status, pid, tool count, restarts and last activity
  servers start NAME  Start a server (waits until its tools are listed)
  servers stop NAME   Stop a server
  servers authorize NAME
                      Print the URL that authorizes the gateway at a remote server using OAuth
                      (needs a running gateway: --url or SWITCHBOARD_URL)

Without --url the command builds a gateway from the configuration; servers it starts stop when it ends.

Options:
${URL}
${CONFIG}
${JSON_OPTION}

Examples:
  switchboard servers list --url http://127.0.0.1:8080
  switchboard servers stop memory --url http://127.0.0.1:8080`,

  tools: `Usage: switchboard tools list|call NAME|tokens|pending|diff|approve|reject [options]

  tools list                 Tools, namespaced (server__tool), or one server's own names with --server
  tools call NAME [--args J] Call a tool; exit 1 when the call fails or the tool reports an error
  tools tokens               Estimated tokens of the listing per server, full against progressive, and
                             what output budgets saved
  tools pending [--all]      Definitions held for review: new (approve-new), changed since approved, held by
                             screening, rejected; --all lists approved pins too
  tools diff SERVER/NAME     The held definition against the approved one, field by field, with the server's
                             identity changes and screening findings
  tools approve SERVER/NAME...  Approve held items (or every held item of --server NAME); exit 1 if one was
                             not decided (unknown, or changed since --hash)
  tools reject SERVER/NAME...   Keep them hidden until their definition changes again

Options:
  -s, --server NAME   One server's endpoint (its own tool names); pending/approve/reject: that server's items
  -a, --args JSON     Arguments of tools call (a JSON object)
      --kind KIND     diff/approve/reject: tool (default), prompt or resourceTemplate
      --hash HASH     approve/reject: only if the item's hash is still this one (what you reviewed)
      --all           pending: every pin, approved ones too
${URL}
${CONFIG}
${JSON_OPTION}

Examples:
  switchboard tools list --url http://127.0.0.1:8080
  switchboard tools call everything__echo --args '{"message":"hi"}' --config switchboard.json
  switchboard tools tokens --config switchboard.json
  switchboard tools pending --config switchboard.json
  switchboard tools diff everything/echo --url http://127.0.0.1:8080
  switchboard tools approve everything/echo --url http://127.0.0.1:8080`,

  audit: `Usage: switchboard audit [options]

Recorded tool calls and review decisions (approve, reject), newest first, from a running gateway (--url) or
from the store the configuration names (the SQLite file in the state directory, or DATABASE_URL). An unknown
--server is an error.

Options:
  -s, --server NAME      Only this server's records
      --tool NAME        Only this tool's records
      --principal NAME   Only records of this principal (gateway.auth)
      --since ISO        Only records at or after this time (ISO 8601)
      --action ACTION    Only calls (call) or only review decisions (approve, reject)
      --limit N          At most N records (default 100)
${URL}
${CONFIG}
${STATE}
${JSON_OPTION}

Examples:
  switchboard audit --config switchboard.json --limit 20
  switchboard audit --url http://127.0.0.1:8080 --server memory --since 2026-01-01T00:00:00Z
  switchboard audit --config switchboard.json --action approve`,

  keys: `Usage: switchboard keys create|list|revoke ID [options]

API keys clients authenticate with (Authorization: Bearer sb_...). Without --url the command reads and writes
the store the configuration names (the SQLite file in the state directory, or DATABASE_URL) without starting
anything; with --url it uses a running gateway's admin API (/keys), sending $SWITCHBOARD_TOKEN.
Only a scrypt hash of each key is stored: a key is shown once, when it is created.

Subcommands:
  keys create --principal NAME  Create a key; prints what it is for, then the key alone on the last line
  keys list                     Keys with id, principal, groups, status, creation and expiry (never the key)
  keys revoke ID                Revoke a key; the gateway revoking it (--url) refuses it at once, others
                                within their key cache time (30 s)

Options:
      --principal NAME    Who the key authenticates as (1-256 printable characters)
      --groups a,b        Groups of the principal (names of A-Z a-z 0-9 _ . : -), comma-separated
      --expires WHEN      A duration from now (90m, 12h, 30d) or an ISO time (2030-01-31T00:00:00Z);
                          default: never
      --description TEXT  What the key is for (shown by keys list)
${URL}
${CONFIG}
${STATE}
${JSON_OPTION}

Examples:
  switchboard keys create --principal ci-bot --groups deploy,readers --expires 30d --config switchboard.json
  switchboard keys list --url http://127.0.0.1:8080
  switchboard keys revoke 3f9a0c1b2d4e --config switchboard.json`,

  credentials: `Usage: switchboard credentials set SERVER SLOT [options]
       switchboard credentials list [SERVER] [options]
       switchboard credentials delete SERVER SLOT [options]

A principal's own values for the credential slots of a per-principal server (docs/credentials.md). set reads
the value from stdin (a pipe, or typed without echo at a terminal), never from the command line. Values are
sealed (AES-256-GCM) and never shown again: list prints servers, slots and principals only. Through a running
gateway's admin API with --url (bearer token from $SWITCHBOARD_TOKEN), else in the configured store.

Options:
      --principal NAME  Whose value (default anonymous: the caller when authentication is off)
${URL}
${CONFIG}
${STATE}
${JSON_OPTION}

Examples:
  printf %s "$GITHUB_TOKEN" | switchboard credentials set github token --principal alice --url http://127.0.0.1:8080
  switchboard credentials list github --config switchboard.json
  switchboard credentials delete github token --principal alice --config switchboard.json`,

  status: `Usage: switchboard status [options]

Live dashboard of a running gateway: servers, states, request rates, latency, errors, breakers; redrawn
until Ctrl-C. Without --url, the configuration's host and port are used.

Options:
  -i, --interval S    Seconds between refreshes (default 2)
      --once          Print the health document once, as JSON, and exit
${URL}
${CONFIG}

Examples:
  switchboard status --url http://127.0.0.1:8080
  switchboard status --once --config switchboard.json`,

  image: `Usage: switchboard image build [options]

Builds the local podman image that servers with sandbox.backend "podman" run in, from this host's own files:
the running Node binary and the libraries it links, a minimal /etc (nobody 65534, CA certificates), /tmp.
No registry is used and nothing is pulled. The image runs as 65534; servers see only the paths their profile
binds in. --server bakes that server's npm package (configured with "package") and its installed
dependencies into /app/node_modules. Progress goes to stderr.

Options:
      --tag NAME      Image name (default localhost/switchboard-node:latest, the podman backend's default)
  -s, --server NAME   Bake this server's package (repeatable; needs the configuration)
${CONFIG}
${JSON_OPTION}

Examples:
  switchboard image build
  switchboard image build --tag localhost/mcp-memory:1 --server memory --config switchboard.json`,

  help: `Usage: switchboard help [COMMAND]

Prints the list of commands, or one command's options and examples.

Examples:
  switchboard help
  switchboard help audit`,
};

export const HELP_COMMANDS: readonly string[] = Object.keys(COMMAND_HELP);

/** The help of one command, the global help without one, or undefined for an unknown command. */
export function helpText(command: string | undefined): string | undefined {
  if (command === undefined) return USAGE;
  return COMMAND_HELP[command];
}
