// The paths a sandboxed launch may see: system folders (read-only), the server's own command or package
// (read-only), the profile's read and write lists, and a private tmp. Everything else stays invisible.
import { existsSync, lstatSync, mkdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, sep } from "node:path";
import type { SandboxProfile } from "../../core/sandbox.ts";
import type { LaunchSpec } from "../../ports/sandbox.ts";
import { findExecutable } from "../process/find-executable.ts";
import type { SandboxPaths } from "./backend.ts";

/** Folders every program needs to run: binaries, libraries, the dynamic loader (symlinks on merged-/usr systems). */
const SYSTEM_DIRS = ["/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin"];

/**
 * The part of /etc a program needs (dynamic linking, users, name resolution, time zone, TLS roots); the rest of
 * /etc (shadow, ssh keys, credentials of other services) stays invisible.
 */
const ETC_FILES = [
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/nsswitch.conf",
  "/etc/passwd",
  "/etc/group",
  "/etc/hosts",
  "/etc/host.conf",
  "/etc/resolv.conf",
  "/etc/localtime",
  "/etc/ssl/certs",
  "/etc/ca-certificates",
  "/etc/ca-certificates.conf",
  "/etc/alternatives",
  "/etc/os-release",
  "/etc/mime.types",
];

/** System paths that exist here (symlinks included as such; backends bind or link them). */
export function systemPaths(): string[] {
  return [...SYSTEM_DIRS, ...ETC_FILES].filter((path) => lexists(path));
}

/**
 * The server's own files: the executable (found on the launch's PATH), each argument naming an existing file
 * (that file only: its folder may hold anything, a home's .ssh, the gateway's state), and for a file inside a
 * node_modules tree the outermost node_modules folder (a package and the dependencies npm hoisted next to it).
 * A multi-file server outside node_modules lists its folder in `filesystem.read`.
 */
export function ownPaths(launch: LaunchSpec): string[] {
  const own = new Set<string>();
  const executable = findExecutable(launch.command, launch.cwd, launch.env.PATH);
  if ("path" in executable) own.add(realpathSync(executable.path));
  for (const arg of launch.args) {
    const path = isAbsolute(arg) ? arg : undefined;
    if (!path || !isFile(path)) continue;
    const real = realpathSync(path);
    own.add(packageRoot(real) ?? real);
    // Reached through a symlink (a linked node_modules, pnpm): the path as given must resolve inside too.
    const given = packageRoot(path) ?? path;
    if (given !== (packageRoot(real) ?? real)) own.add(given);
  }
  return [...own].filter((path) => !SYSTEM_DIRS.some((dir) => within(path, dir)));
}

/** Creates the write folders that do not exist yet (also for a launch that runs unconfined). */
export function createWriteFolders(profile: SandboxProfile): void {
  for (const path of profile.filesystem.write) if (!existsSync(path)) mkdirSync(path, { recursive: true });
}

/** Everything a launch may see. */
export function sandboxPaths(profile: SandboxProfile, launch: LaunchSpec, tmp: string): SandboxPaths {
  const read = profile.filesystem.read.filter((path) => existsSync(path));
  return { system: systemPaths(), own: ownPaths(launch), read, write: [...profile.filesystem.write], tmp };
}

/**
 * The real path of `path`: symlinks resolved in the part that exists, the rest appended. Profiles are compared
 * and bound by real paths, so a symlink cannot smuggle a protected folder into a list.
 */
export function realPathOf(path: string): string {
  const rest: string[] = [];
  let existing = path;
  while (!lexists(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    rest.unshift(basename(existing));
    existing = parent;
  }
  try {
    return join(realpathSync(existing), ...rest);
  } catch {
    return path;
  }
}

/** Whether `path` is `dir` or inside it. */
export function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}

/** The working directory inside the sandbox: the launch's own when visible, else the private tmp. */
export function visibleCwd(cwd: string, paths: SandboxPaths, tmpInside: string): string {
  const visible = [...paths.own, ...paths.read, ...paths.write];
  return visible.some((dir) => within(cwd, dir) && isDirectory(cwd)) ? cwd : tmpInside;
}

function packageRoot(path: string): string | undefined {
  const marker = `${sep}node_modules${sep}`;
  const at = path.indexOf(marker);
  return at < 0 ? undefined : path.slice(0, at + marker.length - 1);
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
