// Entry point of the `switchboard` command.
import { isSwitchboardError } from "../../core/errors.ts";
import type { ConfigProblem } from "../../core/gateway-config.ts";
import { GATEWAY_VERSION } from "../../core/version.ts";
import { parseCliArgs, USAGE, UsageError } from "./args.ts";
import { audit } from "./audit.ts";
import { checkConfig, EXIT_FAILURE, EXIT_USAGE, printProblems, serve, servers, stdio, tools } from "./commands.ts";
import { credentials } from "./credentials.ts";
import { doctor } from "./doctor.ts";
import { helpText } from "./help.ts";
import { image } from "./image.ts";
import { keys } from "./keys.ts";
import { err } from "./output.ts";
import { status } from "./status.ts";

const COMMANDS = {
  serve,
  stdio,
  "check-config": checkConfig,
  doctor,
  servers,
  tools,
  keys,
  audit,
  credentials,
  status,
  image,
} as const;

/** Runs a command and exits with its code (stdout/stderr writes are synchronous on pipes and files). */
export async function main(argv: readonly string[]): Promise<void> {
  process.exit(await run(argv));
}

export async function run(argv: readonly string[]): Promise<number> {
  try {
    const args = parseCliArgs(argv);
    if (args.version) {
      process.stdout.write(`${GATEWAY_VERSION}\n`);
      return 0;
    }
    const command = args.positionals[0];
    if (command === "help" || args.help) return printHelp(command === "help" ? args.positionals[1] : command);
    if (!command) {
      process.stderr.write(`${USAGE}\n`);
      return EXIT_USAGE;
    }
    const handler = COMMANDS[command as keyof typeof COMMANDS];
    if (!handler) throw new UsageError(`unknown command "${command}"`);
    return await handler(args);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`switchboard: ${error.message}\nRun "switchboard --help" for usage.`);
      return EXIT_USAGE;
    }
    if (isSwitchboardError(error, "config_invalid")) {
      printProblems(String(error.data?.source ?? "configuration"), (error.data?.problems ?? []) as ConfigProblem[]);
      return EXIT_USAGE;
    }
    err(`switchboard: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILURE;
  }
}

/** `help [COMMAND]` and `[COMMAND] --help`: one command's help, or the list of commands. */
function printHelp(command: string | undefined): number {
  const text = helpText(command);
  if (text === undefined) throw new UsageError(`unknown command "${command}"`);
  process.stdout.write(`${text}\n`);
  return 0;
}

if (import.meta.main) await main(process.argv.slice(2));
