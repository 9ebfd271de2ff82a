// The TokenBatchCounter contract on the in-process counter (o200k ranks loaded in this thread, counting in
// slices) and the worker one (a worker thread per burst of batches).
import { loadTokenCounter } from "../../src/adapters/tokens/tiktoken-counter.ts";
import { createWorkerTokenCounter } from "../../src/adapters/tokens/worker-token-counter.ts";
import { inProcessBatchCounter } from "../../src/services/tokens/token-accounting.ts";
import { tokenCounterContract } from "./token-counter.contract.ts";

tokenCounterContract("in-process", () => inProcessBatchCounter(loadTokenCounter));
tokenCounterContract("worker thread", createWorkerTokenCounter);
