// What a container backend (gvisor, podman) shows of the host: the launch's paths at their own places, the
// private tmp folder at /tmp, and the working directory and environment rewritten to match.
import type { SandboxPaths } from "./backend.ts";
import { within } from "./paths.ts";

export interface VisibleMount {
  path: string;
  writable: boolean;
}

/**
 * System, own and read paths read-only, write paths read-write, each once (a path listed twice takes its last,
 * strongest class), parents before children so a nested bind is not hidden by its parent's.
 */
export function visibleMounts(paths: Pick<SandboxPaths, "system" | "own" | "read" | "write">): VisibleMount[] {
  const byPath = new Map<string, boolean>();
  for (const path of [...paths.system, ...paths.own, ...paths.read]) byPath.set(path, false);
  for (const path of paths.write) byPath.set(path, true);
  return [...byPath]
    .map(([path, writable]) => ({ path, writable }))
    .sort((a, b) => depth(a.path) - depth(b.path) || a.path.localeCompare(b.path));
}

/** The launch's cwd when the container sees it (tmp maps to /tmp); else /tmp. */
export function containerCwd(cwd: string, paths: SandboxPaths): string {
  if (within(cwd, paths.tmp)) return `/tmp${cwd.slice(paths.tmp.length)}`;
  const visible = [...paths.system, ...paths.own, ...paths.read, ...paths.write];
  return visible.some((path) => within(cwd, path)) ? cwd : "/tmp";
}

/** The environment with the private tmp folder's host path (HOME, TMPDIR) replaced by /tmp, where it is mounted. */
export function containerEnv(env: Readonly<Record<string, string>>, tmp: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    out[key] = within(value, tmp) ? `/tmp${value.slice(tmp.length)}` : value;
  return out;
}

function depth(path: string): number {
  return path.split("/").filter(Boolean).length;
}
