// Real MCP clients against the gateway: the official SDK v1 client (@modelcontextprotocol/sdk 1.x), the SDK v2
// client (@modelcontextprotocol/client) and the MCP Inspector CLI (a child process), each over the aggregated
// endpoint /mcp, the transparent endpoint /mcp/everything and `switchboard stdio`. Every combination lists
// tools, calls everything's echo, reads a resource that resources/list returned and gets simple-prompt.
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isRunning, reapRecordedChildren, waitGone, writeConfig } from "./helpers/cli.ts";
import { isAlive, referenceServers, startTestGateway, type TestGateway, tempDir } from "./helpers/gateway.ts";
import {
  connectSdkV1,
  connectSdkV2,
  type Driver,
  inspectorDriver,
  killInspectors,
  runInspector,
  type Target,
} from "./helpers/real-clients.ts";

const scratchDirs: string[] = [];
const stateDirs: string[] = [];
/** A temporary directory removed after the file's tests. */
function scratch(prefix: string): string {
  const dir = tempDir(prefix);
  scratchDirs.push(dir);
  return dir;
}

after(() => {
  killInspectors();
  for (const dir of stateDirs) reapRecordedChildren(dir);
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** A `switchboard stdio` config with every reference server, in a fresh temp dir. */
function stdioTarget(): Extract<Target, { kind: "stdio" }> {
  const dir = scratch("switchboard-real-stdio-");
  const workspace = join(dir, "workspace");
  mkdirSync(workspace);
  const config = writeConfig(dir, {
    // One-shot clients (the Inspector CLI runs a fresh gateway per operation) list once and never see the
    // list_changed of a server still starting: the listing waits for every cold server.
    gateway: { logLevel: "warn", jsonLogs: false, discovery: { listWaitMs: 120_000 } },
    servers: referenceServers(workspace),
  });
  const stateDir = join(dir, "state");
  stateDirs.push(stateDir);
  return { kind: "stdio", config, stateDir };
}

/** The names a client must see on an aggregated endpoint (/mcp, stdio): namespaced by server. */
const AGGREGATED_TOOLS = [
  "everything__echo",
  "everything__get-sum",
  "memory__read_graph",
  "memory__create_entities",
  "filesystem__read_text_file",
  "thinking__sequentialthinking",
];
/** The names a client must see on /mcp/everything: the server's own. */
const TRANSPARENT_TOOLS = ["echo", "get-sum", "get-tiny-image"];

type EndpointKind = "aggregated" | "transparent" | "stdio";

interface EndpointCase {
  kind: EndpointKind;
  title: string;
  target(gateway: TestGateway): Target;
  /** How a tool or prompt of the everything server is named on this endpoint. */
  name(original: string): string;
}

const ENDPOINTS: EndpointCase[] = [
  {
    kind: "aggregated",
    title: "aggregated endpoint /mcp",
    target: (gateway) => ({ kind: "http", url: `${gateway.url}/mcp` }),
    name: (original) => `everything__${original}`,
  },
  {
    kind: "transparent",
    title: "transparent endpoint /mcp/everything",
    target: (gateway) => ({ kind: "http", url: `${gateway.url}/mcp/everything` }),
    name: (original) => original,
  },
  {
    kind: "stdio",
    title: "switchboard stdio --config FILE",
    target: () => stdioTarget(),
    name: (original) => `everything__${original}`,
  },
];

interface ClientCase {
  title: string;
  connect(target: Target): Promise<Driver>;
  /** An SDK client (one connection, session checks) rather than one CLI run per operation. */
  sdk: boolean;
}

const inspectorHome = scratch("switchboard-inspector-home-");

const CLIENTS: ClientCase[] = [
  { title: "official SDK v1 client (@modelcontextprotocol/sdk 1.32.2)", connect: connectSdkV1, sdk: true },
  { title: "SDK v2 client (@modelcontextprotocol/client)", connect: connectSdkV2, sdk: true },
  {
    title: "MCP Inspector CLI (@modelcontextprotocol/inspector --cli)",
    connect: async (target) => inspectorDriver(target, inspectorHome),
    sdk: false,
  },
];

/** The status of a GET (SSE) on `url` with or without a session id; the body is not read. */
async function rawGet(url: string, sessionId: string | undefined): Promise<number> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (sessionId) headers["mcp-session-id"] = sessionId;
  const reply = await fetch(url, { headers, signal: controller.signal });
  controller.abort();
  return reply.status;
}

function withStderr(driver: Driver | undefined, error: unknown): never {
  const stderr = driver?.stderr() ?? "";
  if (!stderr) throw error;
  throw new Error(`${(error as Error).message}\n--- client/gateway stderr\n${stderr}`, { cause: error });
}

for (const client of CLIENTS) {
  describe(client.title, () => {
    let gateway: TestGateway;
    let workspace: string;
    before(async () => {
      workspace = scratch("switchboard-real-http-");
      gateway = await startTestGateway(referenceServers(workspace));
    });
    after(async () => {
      await gateway?.close();
    });

    for (const endpoint of ENDPOINTS) {
      describe(endpoint.title, () => {
        let driver: Driver | undefined;
        let connectError: unknown;
        let target: Target;
        const connected = (): Driver => {
          if (!driver) throw new Error(`${client.title} did not connect to ${endpoint.title}`, { cause: connectError });
          return driver;
        };

        before(async () => {
          target = endpoint.target(gateway);
          try {
            driver = await client.connect(target);
          } catch (error) {
            // Each test then fails on its own, with this error as the cause.
            connectError = error;
          }
        });
        after(async () => {
          const pid = driver?.pid?.() ?? null;
          await driver?.close().catch(() => {});
          if (pid !== null) {
            await waitGone([pid], 5_000).catch(() => {
              if (isRunning(pid)) process.kill(pid, "SIGKILL");
            });
          }
          if (target.kind === "stdio") reapRecordedChildren(target.stateDir);
        });

        it("lists tools with the endpoint's names", async () => {
          const d = connected();
          try {
            const names = await d.listTools();
            const expected = endpoint.kind === "transparent" ? TRANSPARENT_TOOLS : AGGREGATED_TOOLS;
            for (const name of expected) assert.ok(names.includes(name), `${name} missing from ${names.join(", ")}`);
            assert.equal(new Set(names).size, names.length, "names are unique");
            if (endpoint.kind === "transparent") {
              assert.ok(!names.some((name) => name.includes("__")), `namespaced names on /mcp/everything: ${names}`);
            } else {
              // Besides the servers' tools, only the gateway's read_result (pages results cut by a budget).
              assert.ok(
                names.every(
                  (name) => name === "read_result" || /^(everything|memory|filesystem|thinking)__/.test(name),
                ),
                `names without a server prefix: ${names.filter((name) => !name.includes("__"))}`,
              );
            }
          } catch (error) {
            withStderr(d, error);
          }
        });

        it("calls everything's echo", async () => {
          const d = connected();
          try {
            const text = await d.callTool(endpoint.name("echo"), { message: `hello from ${d.label}` });
            assert.equal(text, `Echo: hello from ${d.label}`);
          } catch (error) {
            withStderr(d, error);
          }
        });

        it("reads a resource that resources/list returned", async () => {
          const d = connected();
          try {
            const uris = await d.listResources();
            assert.ok(uris.length > 0, "the everything server lists resources");
            const uri = uris[0] as string;
            const contents = await d.readResource(uri);
            assert.ok(contents.length > 0, `no contents for ${uri}`);
            assert.equal(contents[0]?.uri, uri);
            assert.ok(
              typeof contents[0]?.text === "string" || typeof contents[0]?.blob === "string",
              `neither text nor blob: ${JSON.stringify(contents[0])}`,
            );
          } catch (error) {
            withStderr(d, error);
          }
        });

        it("gets simple-prompt", async () => {
          const d = connected();
          try {
            const messages = await d.getPrompt(endpoint.name("simple-prompt"));
            assert.ok(messages.length > 0, "simple-prompt has messages");
            assert.equal(messages[0]?.role, "user");
            assert.equal(messages[0]?.content.type, "text");
            assert.ok((messages[0]?.content.text ?? "").length > 0);
          } catch (error) {
            withStderr(d, error);
          }
        });

        if (client.sdk && endpoint.kind !== "stdio") {
          const url = () => (target as { url: string }).url;
          let endedSession: string | undefined;

          it("holds a session: Mcp-Session-Id, the negotiated version, its GET stream", async () => {
            const d = connected();
            const sessionId = d.sessionId?.();
            assert.ok(sessionId, "initialize returned an Mcp-Session-Id");
            assert.equal(d.protocolVersion?.(), "2025-11-25", "the negotiated protocol version is sent back");
            // The client opened the session's notification stream (GET) after initialize and holds it: a second
            // one for the same session is refused.
            const second = await rawGet(url(), sessionId);
            assert.equal(second, 409, "the client's GET stream is open on the gateway");
            assert.deepEqual(
              d.errors().map((error) => error.message),
              [],
              "the client reported no errors (GET stream, notifications)",
            );
          });

          it("ends the session with DELETE; the gateway forgets it", async () => {
            const d = connected();
            const sessionId = d.sessionId?.();
            endedSession = await d.terminateSession?.();
            assert.ok(endedSession);
            assert.equal(endedSession, sessionId);
            assert.equal(d.sessionId?.(), undefined, "the client forgot the session after DELETE");
            const reply = await fetch(url(), {
              method: "POST",
              headers: {
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
                "mcp-session-id": endedSession,
              },
              body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
            });
            await reply.body?.cancel();
            assert.equal(reply.status, 404, "the ended session is unknown to the gateway");
          });

          it("reports no errors after DELETE (its GET stream reconnect, now without a session, gets 405)", async () => {
            const d = connected();
            assert.ok(endedSession, "the DELETE test ran");
            // The SDK reconnects a closed GET stream after RECONNECTION.initialReconnectionDelay (50 ms), and
            // twice more at most; 405 means "no stream here" to it, anything else is reported as an error.
            await new Promise((resolve) => setTimeout(resolve, 500));
            assert.deepEqual(
              d.errors().map((error) => error.message),
              [],
              "the client reported errors after the session ended",
            );
            assert.equal(await rawGet(url(), undefined), 405, "a GET without a session offers no stream");
          });
        }

        if (!client.sdk && endpoint.kind !== "stdio") {
          it("negotiates with --protocol-era auto (2026-07-28 discovery falls back to 2025-11-25)", async () => {
            // auto first tries the 2026-07-28 revision's server/discover, which the gateway does not offer yet
            // (method not found), then initializes as before.
            const run = await runInspector(
              target,
              ["--protocol-era", "auto", "--method", "tools/call", "--tool-name", endpoint.name("echo")].concat(
                "--tool-arg",
                "message=auto",
              ),
              inspectorHome,
            );
            assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
            assert.equal(run.json?.result?.content?.[0]?.text, "Echo: auto");
          });
        }

        if (client.sdk && endpoint.kind === "stdio") {
          it("ends `switchboard stdio` and its servers when the client closes", async () => {
            const d = connected();
            const pid = d.pid?.() ?? null;
            assert.ok(pid !== null && isAlive(pid), "the gateway process is running");
            assert.deepEqual(
              d.errors().map((error) => error.message),
              [],
              "the client reported no errors",
            );
            await d.close();
            await waitGone([pid], 5_000);
            const stateDir = (target as { stateDir: string }).stateDir;
            const leftovers = reapRecordedChildren(stateDir).filter(isRunning);
            assert.deepEqual(leftovers, [], "no server process outlived the gateway");
          });
        }
      });
    }
  });
}
