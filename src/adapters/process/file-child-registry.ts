// Child records as small files under <stateDir>/children, one per live child, written before the child can
// outlive us and removed when it exits. A gateway reaps records whose owner is gone.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ChildRecord, ChildRegistry } from "../../ports/child-registry.ts";
import type { Logger } from "../../ports/logger.ts";
import { groupExists, isSameProcess, processStartTime, signalGroup, waitFor } from "./proc-info.ts";

export function createFileChildRegistry(stateDir: string, logger: Logger): ChildRegistry {
  const dir = join(stateDir, "children");
  mkdirSync(dir, { recursive: true });
  const fileOf = (pid: number) => join(dir, `${pid}.json`);

  return {
    // A record that cannot be written (a full disk, a read-only state directory) only weakens the reaping of a
    // killed gateway's children; it must not fail a start, nor throw from a child's exit handler.
    add(record) {
      try {
        writeFileSync(fileOf(record.pid), JSON.stringify(record));
      } catch (error) {
        logger.warn({ err: error, server: record.server, pid: record.pid }, "could not record the server process");
      }
    },
    remove(pid) {
      try {
        rmSync(fileOf(pid), { force: true });
      } catch (error) {
        logger.warn({ err: error, pid }, "could not remove the record of an ended server process");
      }
    },
    async reapOrphans() {
      const reaped: number[] = [];
      for (const file of readdirSync(dir)) {
        if (!file.endsWith(".json")) continue;
        let record: ChildRecord;
        try {
          record = JSON.parse(readFileSync(join(dir, file), "utf8")) as ChildRecord;
        } catch {
          rmSync(join(dir, file), { force: true });
          continue;
        }
        // A record names a process group to signal: pid 1, this gateway or junk would turn into kill(-1) or suicide.
        if (!Number.isInteger(record.pid) || record.pid <= 1 || record.pid === process.pid) {
          logger.warn({ file }, "ignoring an invalid child record");
          rmSync(join(dir, file), { force: true });
          continue;
        }
        const ownerAlive = record.ownerPid !== process.pid && isSameProcess(record.ownerPid, record.ownerStartTime);
        if (ownerAlive) continue; // another live gateway shares this state directory
        if (isSameProcess(record.pid, record.startTime) || groupExists(record.pid)) {
          logger.warn(
            { server: record.server, pid: record.pid },
            "reaping a server process left by a previous gateway",
          );
          await killGroup(record.pid, 2_000);
          reaped.push(record.pid);
        }
        rmSync(join(dir, file), { force: true });
      }
      return reaped;
    },
  };
}

/** SIGTERM to the group, then SIGKILL if it is still there after `graceMs`. */
export async function killGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, "SIGTERM")) return;
  if (await waitFor(() => !groupExists(pgid), graceMs)) return;
  signalGroup(pgid, "SIGKILL");
  await waitFor(() => !groupExists(pgid), 1_000);
}

export function ownRecordFields(): Pick<ChildRecord, "ownerPid" | "ownerStartTime"> {
  return { ownerPid: process.pid, ownerStartTime: processStartTime(process.pid) };
}
