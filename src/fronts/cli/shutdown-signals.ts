// How the long-running commands (serve, stdio) meet SIGINT, SIGTERM and SIGHUP: the first starts the one drain,
// later ones never start another nor kill the process; the exit status tells a clean drain from a cut one.
import type { Logger } from "../../ports/logger.ts";

export const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/** 128 + the signal's number: the status a shell reports for a process the signal ended (docs/errors.md). */
export const SIGNAL_EXIT_CODES: Record<ShutdownSignal, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * One Ctrl-C can arrive several times: the terminal signals the whole process group (npm, a launcher, the
 * gateway) and npm and the launcher forward it too. Repeats this close to the first are that same request.
 */
export const REPEAT_WINDOW_MS = 1_000;
/** A signal sent again later (a second Ctrl-C) shortens what is left of the grace period to this. */
export const SECOND_SIGNAL_GRACE_MS = 1_000;

export interface ShutdownSignalDeps {
  logger: Logger;
  /** Drains and closes; resolves true when no call in flight had to be failed. */
  drain(signal: ShutdownSignal): Promise<boolean>;
  /** Shortens the drain's remaining grace period to at most `ms`; returns what is left, in ms. */
  shorten(ms: number): number;
  now?: () => number;
  /** Where signals come from; the process by default. */
  source?: Pick<NodeJS.Process, "on" | "off">;
}

export interface ShutdownWatch {
  /** The exit status once a signal's drain is over: 0 when it was clean, else 128 + the first signal's number. */
  readonly exitCode: Promise<number>;
  /** Stops listening (for a command that ends by itself, e.g. stdin closed). */
  dispose(): void;
}

export function watchShutdownSignals(deps: ShutdownSignalDeps): ShutdownWatch {
  const now = deps.now ?? Date.now;
  const source = deps.source ?? process;
  let first: { signal: ShutdownSignal; at: number } | undefined;
  let resolveExit: (code: number) => void = () => {};
  const exitCode = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  const onSignal = (signal: ShutdownSignal) => {
    if (!first) {
      first = { signal, at: now() };
      deps.logger.info({ signal }, "shutting down");
      void deps.drain(signal).then(
        (clean) => resolveExit(clean ? 0 : SIGNAL_EXIT_CODES[signal]),
        (error: unknown) => {
          deps.logger.error({ err: error }, "shutdown failed");
          resolveExit(SIGNAL_EXIT_CODES[signal]);
        },
      );
      return;
    }
    if (now() - first.at < REPEAT_WINDOW_MS) {
      deps.logger.info({ signal }, `${signal} again: the same shutdown, already under way`);
      return;
    }
    const leftMs = deps.shorten(SECOND_SIGNAL_GRACE_MS);
    deps.logger.warn({ signal, leftMs }, `${signal} again: shutdown grace shortened to ${leftMs} ms`);
  };
  const listeners = SHUTDOWN_SIGNALS.map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, listener] of listeners) source.on(signal, listener);
  return {
    exitCode,
    dispose() {
      for (const [signal, listener] of listeners) source.off(signal, listener);
    },
  };
}
