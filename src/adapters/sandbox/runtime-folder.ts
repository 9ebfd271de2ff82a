// The gateway's private runtime folder under the system tmp (each launch's /tmp and egress socket, the native
// launcher), the folders no profile may show, and the sweep of what killed gateways left behind. A leftover is
// judged by its owner's pid, start time and PID namespace: never another namespace's, never a live process's,
// never a folder this user does not own.
import { lstatSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SwitchboardError } from "../../core/errors.ts";
import type { SandboxProfile } from "../../core/sandbox.ts";
import type { Logger } from "../../ports/logger.ts";
import { sweepGroups } from "./limits.ts";
import { type Owner, ownerGone, thisProcess } from "./owner.ts";
import { within } from "./paths.ts";

export const RUNTIME_PREFIX = "switchboard-sandbox-";
const OWNER_FILE = "owner.json";

/** A new runtime folder (mode 0700) with its owner recorded. */
export function createRuntimeFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), `${RUNTIME_PREFIX}${process.pid}-`));
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(thisProcess()), { mode: 0o600 });
  return dir;
}

/** Removes a folder; never throws (a server may leave anything in its tmp), never blocks the event loop. */
export async function removeFolder(dir: string, logger: Logger): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 2 });
  } catch (error) {
    logger.warn({ err: error, dir }, "could not remove a sandbox folder");
  }
}

/**
 * Removes the runtime folders and cgroups of gateways that are gone. Only folders this user owns, that are real
 * folders (not links), that record an owner of this PID namespace, and whose owner is dead.
 */
export function sweepLeftovers(logger: Logger): void {
  const self = thisProcess();
  let entries: string[] = [];
  try {
    entries = readdirSync(tmpdir()).filter((name) => name.startsWith(RUNTIME_PREFIX));
  } catch {
    return;
  }
  for (const name of entries) {
    const dir = join(tmpdir(), name);
    try {
      const info = lstatSync(dir);
      if (!info.isDirectory() || info.isSymbolicLink() || info.uid !== process.getuid?.()) continue;
      const owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), "utf8")) as Owner;
      if (ownerGone(owner, self)) void removeFolder(dir, logger);
    } catch {
      // no owner recorded, or unreadable: not ours to judge
    }
  }
  void sweepGroups((owner) => ownerGone(owner, self)).catch((error: unknown) =>
    logger.debug({ err: error }, "cgroup sweep failed"),
  );
}

/** A folder no profile may show, except (for the state directory) a subtree meant for servers. */
export interface Guard {
  path: string;
  allowInside?: string;
}

/**
 * Refuses a profile that would show a guarded folder: a list entry that is the folder, holds it, or lies inside
 * it (outside its allowed subtree). Entries are real paths (realPathOf). Refused whatever `onUnavailable` says.
 */
export function refuseGuarded(server: string, profile: SandboxProfile, guards: readonly Guard[]): void {
  for (const [list, paths] of Object.entries(profile.filesystem)) {
    for (const path of paths as readonly string[]) {
      for (const guard of guards) {
        const holds = within(guard.path, path);
        const inside = within(path, guard.path) && !(guard.allowInside && within(path, guard.allowInside));
        if (!holds && !inside) continue;
        const allowed = guard.allowInside ? ` (only ${guard.allowInside} may be given)` : "";
        throw new SwitchboardError(
          "sandbox_unavailable",
          `its filesystem.${list} entry ${path} would show the gateway's own folder ${guard.path}${allowed}`,
          { data: { server, backend: profile.backend, reason: `filesystem.${list} shows ${guard.path}` } },
        );
      }
    }
  }
}
