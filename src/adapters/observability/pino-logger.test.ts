// The pino adapter: JSON unless the destination is a terminal, the context mixin, redaction of credentials.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import { createPinoLogger } from "./pino-logger.ts";
import { scrubUrlCredentials } from "./redaction.ts";

function sink(isTTY = false) {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _e, done) {
      text += chunk.toString();
      done();
    },
  }) as Writable & { isTTY?: boolean };
  stream.isTTY = isTTY;
  return { stream, text: () => text };
}

describe("pino logger", () => {
  test("JSON by default off a terminal, the human format on one; json forces either way", () => {
    const pipe = sink();
    createPinoLogger({ level: "info", destination: pipe.stream }).info({ server: "a" }, "hello");
    assert.equal(JSON.parse(pipe.text()).msg, "hello");
    const tty = sink(true);
    createPinoLogger({ level: "info", destination: tty.stream, context: () => ({ requestId: "r-1" }) }).info(
      { server: "a", n: 1 },
      "hello",
    );
    assert.match(tty.text(), /^\d\d:\d\d:\d\d INFO \[a\] \(r-1\) hello n=1\n$/);
    const forced = sink(true);
    createPinoLogger({ level: "info", json: true, destination: forced.stream }).info("x");
    assert.equal(JSON.parse(forced.text()).msg, "x");
  });

  test("the context's fields are on every line; nothing is added outside a request", () => {
    const out = sink();
    let id: string | undefined = "req-9";
    const logger = createPinoLogger({
      level: "info",
      json: true,
      destination: out.stream,
      context: () => (id ? { requestId: id } : undefined),
    });
    logger.child({ server: "s" }).info("inside");
    id = undefined;
    logger.info("outside");
    const [inside, outside] = out
      .text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(inside.requestId, "req-9");
    assert.equal(inside.server, "s");
    assert.equal(outside.requestId, undefined);
  });

  test("an error is one line without stack traces above debug level; debug keeps the stacks (causes too)", () => {
    const error = new Error("outer", { cause: new Error("inner") });
    const json = sink();
    createPinoLogger({ level: "info", json: true, destination: json.stream }).warn({ err: error }, "it failed");
    const line = JSON.parse(json.text());
    assert.equal(line.err.message, "outer: inner");
    assert.ok(!json.text().includes("stack"), json.text());
    const human = sink(true);
    createPinoLogger({ level: "info", destination: human.stream }).warn({ err: error }, "it failed");
    assert.equal(human.text().trimEnd().split("\n").length, 1, human.text());
    assert.match(human.text(), /WARN it failed err="outer: inner"$/m);
    const debug = sink();
    createPinoLogger({ level: "debug", json: true, destination: debug.stream }).warn({ err: error }, "it failed");
    assert.match(JSON.parse(debug.text()).err.stack, /Error: outer\n\s+at /);
    const debugHuman = sink(true);
    createPinoLogger({ level: "debug", destination: debugHuman.stream }).warn({ err: error }, "it failed");
    assert.match(debugHuman.text(), /\n\s+at /, "the stack follows on its own lines");
  });

  test("credentials are redacted from headers, secret fields, environments and URLs", () => {
    const out = sink();
    createPinoLogger({ level: "info", json: true, destination: out.stream }).info(
      {
        headers: { authorization: "Bearer A1", cookie: "c=C1", accept: "json" },
        spec: { env: { TOKEN: "E1" }, apiKey: "K1" },
        password: "P1",
        target: "redis://:R1@cache:6379",
        err: new Error("failed for https://u:U1@host/x"),
      },
      "to postgres://me:M1@db/app",
    );
    const text = out.text();
    for (const secret of ["A1", "C1", "E1", "K1", "P1", "R1", "U1", "M1"]) assert.ok(!text.includes(secret), secret);
    const line = JSON.parse(text);
    assert.equal(line.headers.accept, "json");
    assert.equal(line.msg, "to postgres://[redacted]@db/app");
  });

  test("the log file gets JSON lines (its directory created); an unusable path is a clear error", () => {
    const dir = mkdtempSync(join(tmpdir(), "switchboard-log-"));
    try {
      const file = join(dir, "a", "b", "gateway.log");
      const tty = sink(true);
      createPinoLogger({ level: "info", destination: tty.stream, file }).info({ n: 1 }, "to both");
      assert.equal(JSON.parse(readFileSync(file, "utf8")).msg, "to both");
      assert.match(tty.text(), /INFO to both n=1/);
      const blocker = join(dir, "plain-file");
      writeFileSync(blocker, "");
      assert.throws(
        () => createPinoLogger({ level: "info", file: join(blocker, "x.log") }),
        (error: Error & { code?: string }) =>
          error.code === "config_invalid" && /cannot write the log file/.test(error.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a log file that fails writes (a full disk) drops its lines, warns once, and the console keeps every line", () => {
    const out = sink();
    const logger = createPinoLogger({ level: "info", destination: out.stream, file: "/dev/full" });
    logger.info("first");
    logger.info("second");
    logger.closeFile();
    logger.info("after close");
    const lines = out
      .text()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string });
    assert.deepEqual(
      lines.map((l) => l.msg.replace(/\(.*\)/, "(…)")),
      // pino's multistream writes the file before the console, so the warning precedes the line it failed on.
      [
        "log file /dev/full is not writable (…); its lines are dropped until it is again",
        "first",
        "second",
        "after close",
      ],
    );
  });

  test("scrubUrlCredentials leaves URLs without a password alone", () => {
    assert.equal(scrubUrlCredentials("mail me@example.com"), "mail me@example.com");
    assert.equal(scrubUrlCredentials("http://host/a@b"), "http://host/a@b");
    assert.equal(scrubUrlCredentials("x https://a:b@h y http://c:d@i"), "x https://[redacted]@h y http://[redacted]@i");
  });
});
