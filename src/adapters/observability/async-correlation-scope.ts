// The CorrelationScope port on AsyncLocalStorage: the correlation id follows the request through every await.
import { AsyncLocalStorage } from "node:async_hooks";
import type { CorrelationScope } from "../../ports/correlation-scope.ts";

/** Call it where no request is being handled (the composition root): `detached` returns to that context. */
export function createCorrelationScope(): CorrelationScope {
  const storage = new AsyncLocalStorage<string>();
  // The async context of the gateway's composition, outside every request. Running in it leaves every
  // AsyncLocalStorage at once: this one (no correlation id) and the trace context manager's (the root context, so
  // no trace or span ids and no traceparent), without the scope knowing whether tracing is on.
  const outside = AsyncLocalStorage.snapshot();
  return {
    run: (correlationId, fn) => storage.run(correlationId, fn),
    correlationId: () => storage.getStore(),
    detached: (fn) => outside(fn),
  };
}
