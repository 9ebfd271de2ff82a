// Where a command is, found as spawn finds it: one with a slash against the working directory, a bare name
// through PATH's folders. Used by doctor (does a server's command resolve?) and the sandbox (which file to show).
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, resolve } from "node:path";

/** What spawn searches when the environment has no PATH at all. */
const DEFAULT_PATH = "/usr/bin:/bin";

export type Resolution = { path: string } | { problem: string };

/** Resolves a command as spawn does: one with a slash against cwd, a bare name through PATH's directories. */
export function findExecutable(command: string, cwd: string, pathVariable: string | undefined): Resolution {
  if (command.includes("/")) {
    const path = resolve(cwd, command);
    const problem = executableProblem(path);
    return problem ? { problem: `${path} ${problem}` } : { path };
  }
  for (const dir of (pathVariable ?? DEFAULT_PATH).split(delimiter)) {
    const path = resolve(cwd, dir || ".", command);
    if (executableProblem(path) === undefined) return { path };
  }
  return { problem: `"${command}" not found on PATH` };
}

function executableProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return "is not a file";
    accessSync(path, constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? "does not exist" : code === "EACCES" ? "is not executable" : String(code);
  }
}
