// Whether a backend works here: run a trivial sandboxed command once, bounded, and keep the answer.
import { execFile } from "node:child_process";

/** Undefined when `command args` exits 0 within the timeout; else `missing` (not installed) or what it said. */
export function probeCommand(
  command: string,
  args: readonly string[],
  missing: string,
  timeoutMs = 20_000,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, [...args], { timeout: timeoutMs, killSignal: "SIGKILL" }, (error, _stdout, stderr) => {
      if (!error) return resolve(undefined);
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return resolve(missing);
      const said = stderr.toString().trim().split("\n").slice(-2).join(" ").slice(0, 300);
      resolve(`${command} does not work here: ${said || error.message}`);
    });
  });
}
