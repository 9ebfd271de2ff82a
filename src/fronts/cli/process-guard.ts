// Keeps a long-running gateway process alive through errors nothing handled: each is logged (what happened,
// where it surfaced, its stack) and counted, and the process goes on serving every other client and call.
import type { Disposable, EventBus, InternalErrorOrigin } from "../../core/events.ts";
import type { Logger } from "../../ports/logger.ts";

export interface ProcessGuardOptions {
  logger: Logger;
  events: EventBus;
  /** The process whose unhandled errors are caught. */
  process: Pick<NodeJS.Process, "on" | "off">;
}

/**
 * Installs `uncaughtException` and `unhandledRejection` handlers. Only the CLI's serving commands install it:
 * a gateway embedded elsewhere (a test runner included) keeps Node's default, so such a defect still fails
 * loudly there. One defect must not take every session and call in flight down with it.
 */
export function installProcessGuard(options: ProcessGuardOptions): Disposable {
  const { logger, events, process } = options;
  const report = (origin: InternalErrorOrigin, error: unknown) => {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : `non-error value: ${String(error)}`;
    const what = origin === "uncaught-exception" ? "uncaught exception" : "unhandled promise rejection";
    try {
      // The stack is its own field: below debug level errors are logged without theirs, and this one is a defect
      // whose stack is the only clue to where it is.
      const stack = error instanceof Error ? error.stack : undefined;
      logger.error({ err: error, origin, stack }, `internal error (${what}): ${message}; the gateway keeps running`);
      events.emit("internal-error", { origin, message });
    } catch {
      // Reporting must not throw from inside the handler: Node would end the process after all.
    }
  };
  const onException = (error: unknown) => report("uncaught-exception", error);
  const onRejection = (reason: unknown) => report("unhandled-rejection", reason);
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return {
    dispose() {
      process.off("uncaughtException", onException);
      process.off("unhandledRejection", onRejection);
    },
  };
}
