// Why a server's process could not be spawned, told the way a user can act on it: the errno, the command, and
// for a command not found the PATH and directory it was looked up from. Running out of file descriptors is the
// gateway's own trouble (`resources_exhausted`), never the server's.
import { existsSync } from "node:fs";
import { SwitchboardError } from "../../core/errors.ts";
import type { StdioTransportSpec } from "../../core/server-spec.ts";

/** Errnos that say the gateway's process (EMFILE) or the whole system (ENFILE) has no descriptor left. */
const OUT_OF_DESCRIPTORS = new Set(["EMFILE", "ENFILE"]);

export function spawnFailure(
  error: NodeJS.ErrnoException,
  server: string,
  transport: Pick<StdioTransportSpec, "command" | "cwd">,
  path: string | undefined,
): SwitchboardError {
  const errno = error.code ?? "unknown";
  const data = { server, errno, command: transport.command };
  if (OUT_OF_DESCRIPTORS.has(errno)) {
    const which = errno === "EMFILE" ? "the gateway process" : "the system";
    return new SwitchboardError(
      "resources_exhausted",
      `could not spawn server ${server}: ${which} is out of file descriptors (${errno}); this is the gateway's limit, not the server's fault`,
      { cause: error, data },
    );
  }
  const command = JSON.stringify(transport.command);
  return new SwitchboardError("upstream_unavailable", `${command} ${reason(errno, error, transport.cwd, path)}`, {
    cause: error,
    data: errno === "ENOENT" ? { ...data, cwd: transport.cwd, path: path ?? null } : data,
  });
}

function reason(errno: string, error: Error, cwd: string, path: string | undefined): string {
  if (errno === "EACCES") return "is not executable (EACCES)";
  if (errno !== "ENOENT") return `could not be spawned: ${error.message}`;
  // spawn says ENOENT for a missing working directory too.
  if (!existsSync(cwd)) return `could not be spawned: its working directory ${cwd} does not exist (ENOENT)`;
  return `not found (ENOENT), searched PATH=${path === undefined ? "(unset)" : path} from ${cwd}`;
}
