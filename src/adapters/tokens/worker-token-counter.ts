// A TokenBatchCounter that counts in a worker thread: building the o200k ranks (~2 s of CPU) and counting a
// large catalog happen off the event loop, so the calls a gateway serves meanwhile are not held up. The worker
// starts with a batch and ends as soon as no batch is waiting (its ~100 MB of ranks are not kept for a rare
// recount), so it never outlives a count: a process waits for one in progress, as for any pending work.
import { Worker } from "node:worker_threads";
import type { TokenBatchCounter } from "../../ports/token-counter.ts";

interface Reply {
  id: number;
  encoding?: string;
  counts?: number[];
  error?: string;
}

type Waiting = { resolve: (value: { encoding: string; counts: number[] }) => void; reject: (error: Error) => void };

// Sources run as .ts, the build as .js: the entry sits beside this file either way.
const ENTRY = new URL(`./count-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

interface Running {
  worker: Worker;
  /** Batches sent to this worker and not answered yet, by id. */
  waiting: Map<number, Waiting>;
}

export function createWorkerTokenCounter(): TokenBatchCounter {
  let current: Running | undefined;
  let nextId = 0;

  function spawn(): Running {
    const running: Running = { worker: new Worker(ENTRY), waiting: new Map() };
    const { worker, waiting } = running;
    const retire = (error?: Error) => {
      if (current === running) current = undefined;
      for (const w of waiting.values()) w.reject(error ?? new Error("token count worker ended"));
      waiting.clear();
    };
    worker.on("message", (reply: Reply) => {
      const w = waiting.get(reply.id);
      if (!w) return;
      waiting.delete(reply.id);
      if (reply.error !== undefined || !reply.counts || !reply.encoding) {
        w.reject(new Error(`token count failed: ${reply.error ?? "no counts"}`));
      } else w.resolve({ encoding: reply.encoding, counts: reply.counts });
      if (waiting.size === 0) {
        retire();
        void worker.terminate();
      }
    });
    worker.on("error", (error) => retire(error));
    worker.on("exit", (code) => retire(new Error(`token count worker exited with code ${code}`)));
    return running;
  }

  return {
    countAll(texts) {
      if (texts.length === 0) return Promise.resolve({ encoding: "", counts: [] });
      current ??= spawn();
      const { worker, waiting } = current;
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, texts });
      });
    },
  };
}
