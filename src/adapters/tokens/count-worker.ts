// Worker thread entry of the worker token counter: loads the o200k counter here, off the gateway's event loop,
// and answers a list of texts with the encoding's name and their counts.
import { serveRequests } from "../workers/worker-entry.ts";
import { loadTokenCounter } from "./tiktoken-counter.ts";

serveRequests(async (texts: readonly string[]) => {
  const counter = await loadTokenCounter();
  return { encoding: counter.encoding, counts: texts.map((text) => counter.count(text)) };
});
