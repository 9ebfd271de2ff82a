// A TokenBatchCounter that counts in a worker thread: building the o200k ranks (~2 s of CPU) and counting a
// large catalog happen off the event loop, so the calls a gateway serves meanwhile are not held up. The worker
// starts with a batch and ends as soon as no batch is waiting (its ~100 MB of ranks are not kept for a rare
// recount), so it never outlives a count: a process waits for one in progress, as for any pending work.
import type { TokenBatchCounter } from "../../ports/token-counter.ts";
import { createWorkerClient, workerEntry } from "../workers/worker-client.ts";

export function createWorkerTokenCounter(): TokenBatchCounter {
  const client = createWorkerClient<readonly string[], { encoding: string; counts: number[] }>(
    workerEntry("count-worker", import.meta.url),
    { name: "token count", idleMs: 0 },
  );
  return {
    countAll(texts) {
      if (texts.length === 0) return Promise.resolve({ encoding: "", counts: [] });
      return client.request(texts);
    },
  };
}
