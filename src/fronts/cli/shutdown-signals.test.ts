// The signal rules of serve and stdio on a fake signal source and clock: one drain however many signals, repeats
// close together are the same request, a later one shortens the grace, and the exit status of the drain.
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import type { Logger } from "../../ports/logger.ts";
import { REPEAT_WINDOW_MS, SECOND_SIGNAL_GRACE_MS, watchShutdownSignals } from "./shutdown-signals.ts";

function recordingLogger(lines: string[]): Logger {
  const log = (_fields: unknown, message?: string) => void lines.push(String(message ?? _fields));
  const logger: Logger = {
    trace: log,
    debug: log,
    info: log,
    warn: log,
    error: log,
    fatal: log,
    child: () => logger,
    isLevelEnabled: () => true,
  };
  return logger;
}

function setup(clean: boolean) {
  const source = new EventEmitter();
  const lines: string[] = [];
  let now = 0;
  let drains = 0;
  let finish: () => void = () => {};
  const shortened: number[] = [];
  const watch = watchShutdownSignals({
    logger: recordingLogger(lines),
    source: source as unknown as Pick<NodeJS.Process, "on" | "off">,
    now: () => now,
    drain: () => {
      drains++;
      return new Promise((resolve) => {
        finish = () => resolve(clean);
      });
    },
    shorten: (ms) => {
      shortened.push(ms);
      return ms;
    },
  });
  return {
    source,
    lines,
    watch,
    shortened,
    drains: () => drains,
    finish: () => finish(),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("shutdown signals", () => {
  it("a burst of signals is one drain, not cut short; a clean drain exits 0", async () => {
    const t = setup(true);
    t.source.emit("SIGINT");
    t.source.emit("SIGINT");
    t.advance(REPEAT_WINDOW_MS - 1);
    t.source.emit("SIGTERM");
    assert.equal(t.drains(), 1);
    assert.deepEqual(t.shortened, []);
    assert.equal(t.lines.filter((l) => l === "shutting down").length, 1);
    assert.match(t.lines.join("\n"), /SIGINT again: the same shutdown/);
    t.finish();
    assert.equal(await t.watch.exitCode, 0);
    t.watch.dispose();
  });

  it("a signal sent again later shortens the grace and says so; a cut drain exits 128 + the first signal", async () => {
    const t = setup(false);
    t.source.emit("SIGTERM");
    t.advance(REPEAT_WINDOW_MS);
    t.source.emit("SIGINT");
    assert.equal(t.drains(), 1);
    assert.deepEqual(t.shortened, [SECOND_SIGNAL_GRACE_MS]);
    assert.match(
      t.lines.join("\n"),
      new RegExp(`SIGINT again: shutdown grace shortened to ${SECOND_SIGNAL_GRACE_MS} ms`),
    );
    t.finish();
    assert.equal(await t.watch.exitCode, 143);
    t.watch.dispose();
    assert.equal(t.source.listenerCount("SIGINT"), 0);
  });

  it("SIGINT and SIGHUP map to 130 and 129 when the drain had to fail calls", async () => {
    for (const [signal, code] of [
      ["SIGINT", 130],
      ["SIGHUP", 129],
    ] as const) {
      const t = setup(false);
      t.source.emit(signal);
      t.finish();
      assert.equal(await t.watch.exitCode, code);
      t.watch.dispose();
    }
  });
});
