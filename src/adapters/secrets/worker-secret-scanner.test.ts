// The worker secret scanner: finds what the in-thread scanner finds, keeps the event loop free while a 1 MiB result
// is scanned, starts its worker on the first scan, ends it after idleMs, and survives a crashed worker: the scans
// waiting on it fail with the cause and the next scan starts a new one.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { describe, it } from "node:test";
import type { SecretScanner } from "../../ports/secret-scanner.ts";
import { DEFAULT_MAX_SCAN_BYTES } from "../../services/integrity/secret-guard.ts";
import { createSecretlintScanner } from "./secret-scanner.ts";
import { createWorkerSecretScanner } from "./worker-secret-scanner.ts";

const PROBE_ENTRY = new URL("../../../test/fixtures/probe-scan-worker.ts", import.meta.url);

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const githubToken = () => `ghp_${[...randomBytes(36)].map((byte) => ALNUM[byte % ALNUM.length]).join("")}`;

/** A directory listing as a tool returns it, just under the scan bound, with a token planted near its end. */
function largeResult(token: string) {
  const lines: string[] = [];
  let bytes = 0;
  while (bytes < DEFAULT_MAX_SCAN_BYTES - 4_096) {
    const line = JSON.stringify({ id: randomUUID(), path: `src/${randomBytes(6).toString("hex")}.ts`, size: bytes });
    lines.push(line);
    bytes += line.length + 1;
  }
  lines.push(`GITHUB_TOKEN=${token}`);
  return { content: [{ type: "text", text: lines.join("\n") }], isError: false };
}

/** How long `work` takes and the longest a 5 ms interval on this thread waited meanwhile. */
async function loopWhile(work: () => Promise<unknown>): Promise<{ ms: number; maxGap: number }> {
  const began = performance.now();
  let last = began;
  let maxGap = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(tick);
  }
  const end = performance.now();
  return { ms: end - began, maxGap: Math.max(maxGap, end - last) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** The median time of `runs` scans of `text` after a first one (which loads the rule set), and of the timer's waits. */
async function measured(scanner: SecretScanner, text: string, runs: number) {
  await scanner.scan("warm up: load the rule set");
  const results: { ms: number; maxGap: number }[] = [];
  for (let i = 0; i < runs; i++) {
    results.push(
      await loopWhile(async () => {
        const { findings } = await scanner.scan(text);
        assert.deepEqual(
          findings.map((f) => f.rule),
          ["github.GITHUB_TOKEN"],
        );
      }),
    );
  }
  return { ms: median(results.map((r) => r.ms)), maxGap: median(results.map((r) => r.maxGap)) };
}

describe("worker secret scanner", () => {
  it("finds in a worker thread what the in-thread scanner finds", async () => {
    const worker = createWorkerSecretScanner();
    try {
      const token = githubToken();
      const text = largeResult(token).content[0]?.text ?? "";
      const local = await createSecretlintScanner().scan(text);
      assert.equal(local.findings.length, 1);
      assert.deepEqual(await worker.scan(text), local);
    } finally {
      await worker.close();
    }
  });

  it("keeps the event loop turning while a 1 MiB result is scanned", async () => {
    const text = largeResult(githubToken()).content[0]?.text ?? "";
    const inThread = await measured(createSecretlintScanner(), text, 5);
    const worker = createWorkerSecretScanner();
    try {
      const offThread = await measured(worker, text, 5);
      // Relative, not absolute: on the event loop a scan holds every timer for about its whole length; through the
      // worker only the copy of the text to it runs here.
      assert.ok(
        offThread.maxGap < inThread.ms / 2,
        `longest wait of a 5 ms timer during a worker scan: ${offThread.maxGap.toFixed(1)} ms; ` +
          `an in-thread scan: ${inThread.ms.toFixed(1)} ms (longest timer wait ${inThread.maxGap.toFixed(1)} ms)`,
      );
    } finally {
      await worker.close();
    }
  });

  it("starts its worker on the first scan, keeps it while scans come and ends it after idleMs", async () => {
    const holders = () => process.getActiveResourcesInfo().filter((kind) => kind === "Worker").length;
    const before = holders();
    const scanner = createWorkerSecretScanner({ entry: PROBE_ENTRY, idleMs: 300 });
    try {
      assert.equal(holders(), before, "no worker before the first scan");
      assert.deepEqual(await scanner.scan(""), { findings: [] });
      assert.equal(holders(), before, "an empty text needs no worker");
      const thread = async () => (await scanner.scan("thread?")).findings[0]?.rule;
      const first = await thread();
      assert.equal(await thread(), first, "the same worker within idleMs");
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.notEqual(await thread(), first, "a new worker after idleMs without a scan");
    } finally {
      await scanner.close();
    }
  });

  for (const crash of ["throw", "exit"]) {
    it(`rejects the scans waiting on a worker that crashes (${crash}), and the next scan starts a new one`, async () => {
      const scanner = createWorkerSecretScanner({ entry: PROBE_ENTRY });
      try {
        const before = (await scanner.scan("thread?")).findings[0]?.rule;
        const token = githubToken();
        const waiting = [scanner.scan(`crash: ${crash}`), scanner.scan("thread?"), scanner.scan(`gh ${token}`)];
        const cause =
          crash === "throw"
            ? /^secret scan worker crashed: planted failure$/
            : /^secret scan worker exited with code 3$/;
        const settled = await Promise.allSettled(waiting);
        assert.equal(settled[0]?.status, "rejected");
        assert.match(String((settled[0] as PromiseRejectedResult).reason.message), cause);
        // Scans sent after the crash request may have been answered before the worker died; none is left hanging.
        for (const result of settled.slice(1))
          if (result.status === "rejected") assert.match(String(result.reason.message), cause);
        const after = await scanner.scan(`gh ${token}`);
        assert.deepEqual(
          after.findings.map((f) => f.rule),
          ["github.GITHUB_TOKEN"],
        );
        assert.notEqual((await scanner.scan("thread?")).findings[0]?.rule, before, "a new worker");
      } finally {
        await scanner.close();
      }
    });
  }
});
