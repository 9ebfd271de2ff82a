// Opt-in reference target `http-floor`: a deliberately minimal node:http → stdio MCP forwarder.
// It only parses, re-ids, forwards and answers, to show how much of a gateway's cost is Node itself.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";

const port = Number(process.argv[2]);
const dashDash = process.argv.indexOf("--");
const [command, ...args] = process.argv.slice(dashDash + 1);
if (!command || !Number.isInteger(port)) throw new Error("usage: floor-gateway.ts PORT -- COMMAND ARGS...");

const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
child.on("exit", () => process.exit(1));
const waiting = new Map<number, { res: ServerResponse; id: unknown }>();
let nextId = 1;
let buffer = "";
let initializeResult = "";

child.stdout.setEncoding("utf8");
child.stdout.on("data", (chunk: string) => {
  const text = buffer + chunk;
  let start = 0;
  for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
    const line = text.slice(start, nl);
    start = nl + 1;
    const message = JSON.parse(line) as { id?: number; method?: string; result?: unknown };
    if (message.method !== undefined || typeof message.id !== "number") continue;
    if (message.id === 0) {
      initializeResult = JSON.stringify(message.result);
      child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
      startHttp();
      continue;
    }
    const entry = waiting.get(message.id);
    if (!entry) continue;
    waiting.delete(message.id);
    const body = JSON.stringify({ ...message, id: entry.id });
    entry.res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    entry.res.end(body);
  }
  buffer = text.slice(start);
});
child.stdin.write(
  `${JSON.stringify({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "floor", version: "1" } },
  })}\n`,
);

function startHttp(): void {
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method === "DELETE") {
        res.writeHead(200).end();
        return;
      }
      const message = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        id?: unknown;
        method: string;
        params?: unknown;
      };
      if (message.id === undefined) {
        res.writeHead(202).end();
        return;
      }
      if (message.method === "initialize") {
        const body = `{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":${initializeResult}}`;
        res.writeHead(200, { "content-type": "application/json", "mcp-session-id": randomUUID() });
        res.end(body);
        return;
      }
      const id = nextId++;
      waiting.set(id, { res, id: message.id });
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method: message.method, params: message.params })}\n`);
    });
  });
  server.listen(port, "127.0.0.1");
}
