// The Connector contract on the stdio connector (server-everything as a child process) and the HTTP connector
// (server-everything in streamableHttp mode on 127.0.0.1, a fresh server per test), plus what only a child has.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { freePort } from "../../bench/ports.ts";
import { createPinoLogger } from "../../src/adapters/observability/pino-logger.ts";
import { createHttpConnector } from "../../src/adapters/upstream/http-connector.ts";
import { createStdioConnector } from "../../src/adapters/upstream/stdio-connector.ts";
import { normalizeConfig } from "../../src/config/load.ts";
import type { ServerSpec } from "../../src/core/server-spec.ts";
import type { ChildRecord, ChildRegistry } from "../../src/ports/child-registry.ts";
import { isAlive, REPO_ROOT, waitUntil } from "../helpers/gateway.ts";
import { startHttpServerProcess } from "../helpers/http-server-process.ts";
import { connectorContract } from "./connector.contract.ts";

const EVERYTHING = join(REPO_ROOT, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
const logger = createPinoLogger({ level: "silent", json: true });

function specOf(entry: Record<string, unknown>): ServerSpec {
  const config = normalizeConfig({ servers: { everything: entry } }, join(REPO_ROOT, "switchboard.json"), { env: {} });
  return config.servers[0] as ServerSpec;
}

/** The records a stdio connector keeps of its children, in memory. */
function childRecords(): ChildRegistry & { pids(): number[] } {
  const records = new Map<number, ChildRecord>();
  return {
    add: (record) => records.set(record.pid, record),
    remove: (pid) => records.delete(pid),
    reapOrphans: async () => [],
    pids: () => [...records.keys()],
  };
}

function stdioConnector(children = childRecords()) {
  const { upstreamStderr, upstreamStdio } = normalizeConfig({ servers: {} }, undefined, { env: {} }).gateway;
  return createStdioConnector({
    logger,
    children,
    inheritEnv: [],
    env: process.env,
    stderr: upstreamStderr,
    limits: upstreamStdio,
  });
}

connectorContract("stdio", async () => ({
  connector: stdioConnector(),
  spec: specOf({ command: process.execPath, args: [EVERYTHING, "stdio"] }),
  unreachable: specOf({ command: "switchboard-contract-no-such-command" }),
  kill: async (connection) => {
    process.kill(connection.pid as number, "SIGKILL");
  },
  death: "close",
  cleanup: async () => {},
}));

connectorContract("http", async () => {
  const server = await startHttpServerProcess(EVERYTHING, ["streamableHttp"]);
  // A port that was just free: nothing listens on it.
  const unused = await freePort().catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  return {
    connector: createHttpConnector(logger),
    spec: specOf({ url: `http://127.0.0.1:${server.port}/mcp`, type: "streamable-http" }),
    unreachable: specOf({ url: `http://127.0.0.1:${unused}/mcp`, type: "streamable-http" }),
    kill: () => server.stop(),
    death: "send",
    cleanup: () => server.stop(),
  };
});

test("stdio: a child is recorded while it runs and gone, with its record, after close", async (t) => {
  const children = childRecords();
  const connection = await stdioConnector(children).open(
    specOf({ command: process.execPath, args: [EVERYTHING, "stdio"] }),
    new AbortController().signal,
  );
  t.after(() => connection.close(500));
  const pid = connection.pid as number;
  assert.deepEqual(children.pids(), [pid]);
  assert.ok(isAlive(pid));
  await connection.close(2_000);
  await waitUntil(() => !isAlive(pid), 5_000);
  assert.deepEqual(children.pids(), []);
});
