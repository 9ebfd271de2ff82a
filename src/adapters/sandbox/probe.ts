// Whether a backend works here: run a trivial sandboxed command once, bounded, and keep the answer.
import { runTool } from "./run-tool.ts";

/** Undefined when `command args` exits 0 within the timeout; else `missing` (not installed) or what it said. */
export async function probeCommand(
  command: string,
  args: readonly string[],
  missing: string,
  timeoutMs = 20_000,
): Promise<string | undefined> {
  try {
    await runTool(command, args, timeoutMs);
    return undefined;
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return missing;
    return `${command} does not work here: ${(error as Error).message.slice(0, 300)}`;
  }
}
