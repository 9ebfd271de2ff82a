// The worker side of worker-client.ts: answers each {id, message} with {id, result} or {id, error}.
import { parentPort } from "node:worker_threads";

export function serveRequests<Q, R>(handle: (message: Q) => R | Promise<R>): void {
  parentPort?.on("message", async ({ id, message }: { id: number; message: Q }) => {
    try {
      parentPort?.postMessage({ id, result: await handle(message) });
    } catch (error) {
      parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
    }
  });
}
