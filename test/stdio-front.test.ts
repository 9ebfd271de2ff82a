// The stdio front (`switchboard stdio`) as a real child process: driven by the official MCP SDK client over
// reference servers and the fixture, and by raw lines (parse errors, batches, ids); ending stdin ends it cleanly.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { cliEnv, isRunning, reapRecordedChildren, recordedChildren, waitGone, writeConfig } from "./helpers/cli.ts";
import { CLI, fixtureServer, referenceServers, tempDir, waitUntil } from "./helpers/gateway.ts";

/** A config with the `memory` and `everything` reference servers and the fixture as `fx`. */
function stdioConfig(): { path: string; stateDir: string } {
  const dir = scratch("switchboard-stdio-");
  const workspace = join(dir, "workspace");
  const reference = referenceServers(workspace);
  const path = writeConfig(dir, {
    gateway: { logLevel: "warn", jsonLogs: false },
    servers: { memory: reference.memory, everything: reference.everything, fx: fixtureServer() },
  });
  return { path, stateDir: join(dir, "state") };
}

function stringEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(cliEnv()).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

const textOf = (result: { content?: unknown }) =>
  ((result.content as { type: string; text?: string }[])[0]?.text ?? "") as string;

const stateDirs: string[] = [];
const scratchDirs: string[] = [];
/** A temporary directory removed after the file's tests. */
function scratch(prefix: string): string {
  const dir = tempDir(prefix);
  scratchDirs.push(dir);
  return dir;
}
const spawned: ChildProcess[] = [];
after(() => {
  for (const child of spawned) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
  for (const dir of stateDirs) reapRecordedChildren(dir);
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

describe("stdio front with the MCP SDK client", () => {
  it("serves the aggregated endpoint: tools, calls, resources, prompts; closing ends everything", async () => {
    const { path, stateDir } = stdioConfig();
    stateDirs.push(stateDir);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, "stdio", "--config", path, "--state-dir", stateDir],
      env: stringEnv(),
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const client = new Client({ name: "switchboard-stdio-test", version: "1.0.0" });
    let gatewayPid: number | null = null;
    try {
      await client.connect(transport);
      gatewayPid = transport.pid;
      assert.ok(gatewayPid);
      assert.equal(client.getServerVersion()?.name, "switchboard");

      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      for (const expected of [
        "everything__echo",
        "everything__get-sum",
        "memory__read_graph",
        "memory__create_entities",
        "fx__echo",
        "fx__pid",
      ])
        assert.ok(names.includes(expected), `${expected} missing from ${names.join(", ")}`);
      assert.equal(new Set(names).size, names.length, "names are unique");

      const echo = await client.callTool({ name: "everything__echo", arguments: { message: "over stdio" } });
      assert.equal(textOf(echo), "Echo: over stdio");
      const graph = await client.callTool({ name: "memory__read_graph", arguments: {} });
      assert.match(textOf(graph), /entities/);

      const { resources } = await client.listResources();
      assert.ok(resources.length > 0, "the everything server lists resources");
      const uri = (resources[0] as { uri: string }).uri;
      const read = await client.readResource({ uri });
      assert.equal(read.contents[0]?.uri, uri);

      const prompt = await client.getPrompt({ name: "everything__simple-prompt" });
      assert.ok(prompt.messages.length > 0);

      const fxPid = Number(textOf(await client.callTool({ name: "fx__pid", arguments: {} })));
      assert.ok(Number.isInteger(fxPid) && fxPid > 0);
      const upstream = recordedChildren(stateDir);
      assert.ok(upstream.includes(fxPid), `fixture ${fxPid} not among recorded children ${upstream.join(", ")}`);
      assert.equal(upstream.length, 3, "memory, everything and the fixture are running");
      for (const pid of upstream) assert.ok(isRunning(pid));

      await client.close();
      await waitGone([gatewayPid, ...upstream], 5_000);
      assert.deepEqual(recordedChildren(stateDir), []);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- gateway stderr\n${stderr}`, { cause: error });
    } finally {
      await client.close().catch(() => {});
    }
  });
});

/** A `switchboard stdio` process driven by raw lines. */
function startRaw(path: string, stateDir: string) {
  const child = spawn(process.execPath, [CLI, "stdio", "--config", path, "--state-dir", stateDir], {
    env: cliEnv(),
    stdio: ["pipe", "pipe", "pipe"],
  });
  spawned.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  const messages = () =>
    stdout
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, any>;
        } catch {
          throw new Error(`stdout carries a line that is not JSON: ${line}`);
        }
      });
  const responses = () => messages().filter((m) => "id" in m && ("result" in m || "error" in m));
  return {
    child,
    exited,
    stderr: () => stderr,
    stdout: () => stdout,
    messages,
    responses,
    writeLine(line: string) {
      child.stdin.write(`${line}\n`);
    },
    send(message: unknown) {
      child.stdin.write(`${JSON.stringify(message)}\n`);
    },
    /** The response with this id (waits for it). */
    async response(id: string | number, timeoutMs = 20_000): Promise<Record<string, any>> {
      await waitUntil(() => responses().some((m) => m.id === id), timeoutMs).catch(() => {
        throw new Error(`no response with id ${id}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      });
      return responses().find((m) => m.id === id) as Record<string, any>;
    },
    /** The n-th response with id null (waits for it). */
    async nullResponse(n: number, timeoutMs = 10_000): Promise<Record<string, any>> {
      const nulls = () => responses().filter((m) => m.id === null);
      await waitUntil(() => nulls().length >= n, timeoutMs).catch(() => {
        throw new Error(`fewer than ${n} responses with id null\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      });
      return nulls()[n - 1] as Record<string, any>;
    },
  };
}

const rpc = (id: number | string, method: string, params: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id,
  method,
  params,
});

describe("stdio front with raw lines", () => {
  it("answers bad lines with JSON-RPC errors and keeps serving; stdin end exits 0 and stops every server", async () => {
    const { path, stateDir } = stdioConfig();
    stateDirs.push(stateDir);
    const raw = startRaw(path, stateDir);

    raw.send(
      rpc(1, "initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "raw", version: "1" },
      }),
    );
    const init = await raw.response(1);
    assert.equal(init.result?.serverInfo?.name, "switchboard", JSON.stringify(init));
    raw.send({ jsonrpc: "2.0", method: "notifications/initialized" });

    raw.writeLine("this is not json");
    const parseError = await raw.nullResponse(1);
    assert.equal(parseError.jsonrpc, "2.0");
    assert.equal(parseError.id, null);
    assert.equal(parseError.error?.code, -32700);

    raw.send(rpc(2, "ping"));
    assert.deepEqual((await raw.response(2)).result, {}, "still serving after a parse error");

    raw.writeLine(JSON.stringify([rpc(3, "ping"), rpc(4, "ping")]));
    const batch = await raw.nullResponse(2);
    assert.equal(batch.id, null);
    assert.equal(batch.error?.code, -32600);
    assert.match(batch.error?.message ?? "", /batch/i);
    assert.ok(!raw.responses().some((m) => m.id === 3 || m.id === 4), "batched requests are not executed");

    raw.send({ jsonrpc: "1.0", id: 5, method: "ping" });
    const badEnvelope = await raw.response(5);
    assert.equal(badEnvelope.error?.code, -32600, "an invalid envelope keeps its id");

    raw.send(rpc("six", "no/such/method"));
    assert.equal((await raw.response("six")).error?.code, -32601);

    // Start every upstream and learn the pids.
    raw.send(rpc(7, "tools/call", { name: "fx__pid", arguments: {} }));
    raw.send(rpc(8, "tools/call", { name: "everything__echo", arguments: { message: "raw" } }));
    raw.send(rpc(9, "tools/call", { name: "memory__read_graph", arguments: {} }));
    const fxPid = Number((await raw.response(7)).result?.content?.[0]?.text);
    assert.equal((await raw.response(8)).result?.content?.[0]?.text, "Echo: raw");
    assert.match((await raw.response(9)).result?.content?.[0]?.text ?? "", /entities/);
    const upstream = recordedChildren(stateDir);
    assert.ok(upstream.includes(fxPid), `${fxPid} not among ${upstream.join(", ")}`);
    assert.equal(upstream.length, 3);

    // Every line on stdout is a JSON-RPC message (logs go to stderr).
    for (const message of raw.messages()) assert.equal(message.jsonrpc, "2.0");

    raw.child.stdin.end();
    const exit = await Promise.race([
      raw.exited,
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 15_000).unref()),
    ]);
    assert.deepEqual(exit, { code: 0, signal: null }, `stdin end did not end the process cleanly\n${raw.stderr()}`);
    await waitGone(upstream, 2_000);
    assert.deepEqual(recordedChildren(stateDir), []);
  });

  it("answers requests that were in flight when stdin ended before exiting", async () => {
    const { path, stateDir } = stdioConfig();
    stateDirs.push(stateDir);
    const raw = startRaw(path, stateDir);
    raw.send(rpc(1, "tools/call", { name: "fx__sleep", arguments: { ms: 300 } }));
    raw.child.stdin.end();
    const exit = await raw.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, raw.stderr());
    const reply = raw.responses().find((m) => m.id === 1);
    assert.equal(reply?.result?.content?.[0]?.text, "slept 300", raw.stdout());
    assert.deepEqual(recordedChildren(stateDir), []);
  });

  it("SIGTERM exits 0 and stops every server", async () => {
    const { path, stateDir } = stdioConfig();
    stateDirs.push(stateDir);
    const raw = startRaw(path, stateDir);
    raw.send(rpc(1, "tools/call", { name: "fx__pid", arguments: {} }));
    const fxPid = Number((await raw.response(1)).result?.content?.[0]?.text);
    assert.ok(isRunning(fxPid));
    process.kill(raw.child.pid as number, "SIGTERM");
    const exit = await Promise.race([
      raw.exited,
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 10_000).unref()),
    ]);
    assert.deepEqual(exit, { code: 0, signal: null }, raw.stderr());
    await waitGone([fxPid], 2_000);
    assert.deepEqual(recordedChildren(stateDir), []);
  });

  it("refuses a bad configuration with exit 2 before reading stdin", async () => {
    const dir = scratch("switchboard-stdio-bad-");
    const path = writeConfig(dir, { servers: { typo: { command: "x", idleTimeout: 1 } } });
    const raw = startRaw(path, join(dir, "state"));
    const exit = await raw.exited;
    assert.equal(exit.code, 2, raw.stderr());
    assert.match(raw.stderr(), /servers\.typo\.idleTimeout/);
    assert.equal(raw.stdout(), "", "nothing on stdout, which belongs to the protocol");
  });
});
