// Worker thread entry of the worker token counter: loads the o200k counter here, off the gateway's event loop,
// and answers {id, texts} with {id, encoding, counts} (or {id, error}).
import { parentPort } from "node:worker_threads";
import { loadTokenCounter } from "./tiktoken-counter.ts";

parentPort?.on("message", async (message: { id: number; texts: readonly string[] }) => {
  try {
    const counter = await loadTokenCounter();
    const counts = message.texts.map((text) => counter.count(text));
    parentPort?.postMessage({ id: message.id, encoding: counter.encoding, counts });
  } catch (error) {
    parentPort?.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
