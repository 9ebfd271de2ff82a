// Who made a runtime folder or a cgroup of the sandbox: a pid means something only with its start time (pids
// are reused) and its PID namespace (another namespace counts its own pids).
import { readlinkSync } from "node:fs";
import { processStartTime } from "../process/proc-info.ts";

/** Who made a runtime folder or a cgroup: enough to tell a dead owner from a live one, or from a stranger. */
export interface Owner {
  pid: number;
  startTime: string | undefined;
  /** The PID namespace the pid is counted in (its inode); a pid from another namespace says nothing here. */
  pidNamespace: string | undefined;
}

export function thisProcess(): Owner {
  let pidNamespace: string | undefined;
  try {
    pidNamespace = /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1];
  } catch {
    pidNamespace = undefined;
  }
  return { pid: process.pid, startTime: processStartTime(process.pid), pidNamespace };
}

/** Whether an owner is certainly gone: same namespace, and no process with its pid and start time. */
export function ownerGone(owner: Owner, self: Owner = thisProcess()): boolean {
  if (!owner.pidNamespace || owner.pidNamespace !== self.pidNamespace) return false;
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  const startTime = processStartTime(owner.pid);
  return startTime === undefined || startTime !== owner.startTime;
}
