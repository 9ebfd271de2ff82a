// A bound on concurrent slow work (API key hashing): a few jobs run, a bounded queue waits, the rest is refused.

export interface WorkGate {
  /** Runs job when a slot is free; throws what refuse() makes, without running it, when the queue is full. */
  run<T>(job: () => Promise<T>): Promise<T>;
}

export interface WorkGateOptions {
  /** Jobs running at once. */
  concurrency: number;
  /** Jobs waiting for a slot; one more is refused. */
  maxQueued: number;
  refuse: () => Error;
}

export function createWorkGate(options: WorkGateOptions): WorkGate {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    async run(job) {
      if (running < options.concurrency) running++;
      else if (waiting.length < options.maxQueued) await new Promise<void>((resolve) => waiting.push(resolve));
      else throw options.refuse();
      // A slot handed over by release() keeps `running` as it was: the finished job's slot becomes this one's.
      try {
        return await job();
      } finally {
        release();
      }
    },
  };
}
