// The stderr token bucket on a fake clock: the burst, the refill rate, the suppressed count, cut lines and
// secret environment values.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Logger } from "../../ports/logger.ts";
import { createStderrLog } from "./stderr-log.ts";

function recorder() {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown> | string, msg?: string) => {
    lines.push(typeof fields === "string" ? { level, fields: {}, msg: fields } : { level, fields, msg: msg ?? "" });
  };
  const logger = { info: at("info"), warn: at("warn") } as unknown as Logger;
  return { logger, lines };
}

const SETTINGS = { linesPerSecond: 10, burstLines: 5, maxLineChars: 80 };

describe("stderr log", () => {
  test("a burst passes, then the rate; the rest is counted in one suppressed entry", () => {
    const { logger, lines } = recorder();
    let now = 0;
    const log = createStderrLog(logger, { pid: 1 }, SETTINGS, {}, () => now);
    for (let i = 0; i < 50; i++) log.line(`line ${i}`);
    assert.equal(lines.length, 5);
    now = 500; // half a second refills 5 tokens
    for (let i = 0; i < 50; i++) log.line(`later ${i}`);
    assert.equal(lines.filter((l) => l.msg.startsWith("later")).length, 5);
    log.close();
    const report = lines.at(-1);
    assert.equal(report?.level, "warn");
    assert.equal(report?.fields.suppressed, 90);
    assert.equal(report?.fields.pid, 1);
    assert.match(report?.msg ?? "", /^suppressed 90 stderr lines/);
  });

  test("control characters a server writes never reach the log or the crash tail", () => {
    const { logger, lines } = recorder();
    const log = createStderrLog(logger, {}, SETTINGS, {}, () => 0);
    log.line("\u001b]0;owned\u0007\u001b[2Jcleared");
    assert.equal(lines[0]?.msg, "\uFFFD]0;owned\uFFFD\uFFFD[2Jcleared");
    assert.equal(log.clean("\u001b[31mred"), "\uFFFD[31mred");
    log.close();
  });

  test("the bucket never holds more than the burst", () => {
    const { logger, lines } = recorder();
    let now = 0;
    const log = createStderrLog(logger, {}, SETTINGS, {}, () => now);
    now = 60_000;
    for (let i = 0; i < 20; i++) log.line("x");
    assert.equal(lines.length, 5);
    log.close();
  });

  test("long lines are cut; secret-named environment values are replaced", () => {
    const { logger, lines } = recorder();
    const env = { API_KEY: "abcdef123456", DB_PASSWORD: "hunter2hunter2", PATH_HINT: "/usr/local/bin", TOKEN: "short" };
    const log = createStderrLog(logger, {}, SETTINGS, env, () => 0);
    log.line("y".repeat(200));
    log.line("using key abcdef123456 and hunter2hunter2 from /usr/local/bin with short");
    assert.equal(lines[0]?.msg, `${"y".repeat(80)}… [120 more characters]`);
    assert.equal(lines[1]?.msg, "using key [redacted] and [redacted] from /usr/local/bin with short");
    assert.equal(log.clean("abcdef123456"), "[redacted]");
    log.close();
  });
});
