// Runs a container tool (runsc, podman) to completion with a deadline; resolves with its stdout.
import { execFile } from "node:child_process";

/** Rejects with the tool's stderr (or the spawn error, whose `code` is kept) when it fails or outlives timeoutMs. */
export function runTool(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const options = { timeout: timeoutMs, killSignal: "SIGKILL" as const, signal, maxBuffer: 16 * 1024 * 1024 };
    execFile(command, [...args], options, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const why = error.killed && !signal?.aborted ? `timed out after ${timeoutMs} ms` : stderr.trim() || error.message;
      reject(
        Object.assign(new Error(`${command} ${args.find((a) => !a.startsWith("-")) ?? ""}: ${why}`, { cause: error }), {
          code: error.code,
        }),
      );
    });
  });
}
