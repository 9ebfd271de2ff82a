// Requests to a worker thread that starts on the first request and ends after `idleMs` without one: CPU-heavy
// work (loading the o200k ranks takes ~2 s, measuring a large result hundreds of ms) runs off the event loop, and
// the worker's memory is given back when it is not in use. While no request waits, the worker does not keep the
// process alive. The entry answers with serveRequests() (worker-entry.ts).
import { Worker } from "node:worker_threads";

export interface WorkerClient<Q, R> {
  request(message: Q): Promise<R>;
  /** Ends the worker now; requests waiting on it reject. */
  close(): Promise<void>;
}

interface Reply<R> {
  id: number;
  result?: R;
  error?: string;
}

type Waiting<R> = { resolve: (value: R) => void; reject: (error: Error) => void };

interface Running<R> {
  worker: Worker;
  waiting: Map<number, Waiting<R>>;
  idle: NodeJS.Timeout | undefined;
}

export function createWorkerClient<Q, R>(entry: URL, options: { name: string; idleMs: number }): WorkerClient<Q, R> {
  let current: Running<R> | undefined;
  let nextId = 0;

  function retire(running: Running<R>, error?: Error): void {
    if (current === running) current = undefined;
    clearTimeout(running.idle);
    for (const w of running.waiting.values()) w.reject(error ?? new Error(`${options.name} worker ended`));
    running.waiting.clear();
  }

  function stop(running: Running<R>): Promise<void> {
    retire(running);
    return running.worker.terminate().then(() => undefined);
  }

  function spawn(): Running<R> {
    const running: Running<R> = { worker: new Worker(entry), waiting: new Map(), idle: undefined };
    const { worker, waiting } = running;
    worker.on("message", (reply: Reply<R>) => {
      const w = waiting.get(reply.id);
      if (!w) return;
      waiting.delete(reply.id);
      if (reply.error !== undefined) w.reject(new Error(`${options.name} failed: ${reply.error}`));
      else w.resolve(reply.result as R);
      if (waiting.size > 0) return;
      // A worker that fails to terminate has been retired already: nothing waits on it.
      if (options.idleMs <= 0) {
        stop(running).catch(() => {});
        return;
      }
      worker.unref();
      running.idle = setTimeout(() => stop(running).catch(() => {}), options.idleMs);
      running.idle.unref();
    });
    // An exception the worker did not catch ends it: what waits on it fails with the cause, named.
    worker.on("error", (error) =>
      retire(running, new Error(`${options.name} worker crashed: ${error.message}`, { cause: error })),
    );
    worker.on("exit", (code) => retire(running, new Error(`${options.name} worker exited with code ${code}`)));
    return running;
  }

  return {
    request(message) {
      current ??= spawn();
      const running = current;
      clearTimeout(running.idle);
      running.worker.ref();
      const id = ++nextId;
      return new Promise<R>((resolve, reject) => {
        running.waiting.set(id, { resolve, reject });
        running.worker.postMessage({ id, message });
      });
    },
    async close() {
      if (current) await stop(current);
    },
  };
}

/** The entry for a worker file beside `base` (sources run as .ts, the build as .js). */
export function workerEntry(name: string, base: string): URL {
  return new URL(`./${name}${base.endsWith(".ts") ? ".ts" : ".js"}`, base);
}
