// The child registry port: records of spawned server processes, so a gateway restarted after SIGKILL can reap
// the children its predecessor left behind.

export interface ChildRecord {
  server: string;
  pid: number;
  /** Kernel start time of the child (ticks since boot); guards against pid reuse. */
  startTime: string | undefined;
  ownerPid: number;
  ownerStartTime: string | undefined;
}

export interface ChildRegistry {
  add(record: ChildRecord): void;
  remove(pid: number): void;
  /** Kills children of dead owners; returns the pids it reaped. */
  reapOrphans(): Promise<number[]>;
}
