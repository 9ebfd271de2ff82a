// The lean newline-delimited JSON-RPC client over a child's stdin/stdout (direct server and the stdio front).
import type { Started } from "./processes.ts";
import { type Channel, type Json, notificationBody, requestBody } from "./rpc.ts";

export class StdioChannel implements Channel {
  private readonly started: Started;
  private readonly pending = new Map<number, { resolve(m: Json): void; reject(e: Error): void }>();
  private nextId = 1;
  private buffer = "";
  private closedWith: Error | undefined;

  constructor(started: Started) {
    this.started = started;
    started.child.stdout.setEncoding("utf8");
    started.child.stdout.on("data", (chunk: string) => this.onData(chunk));
    started.child.once("exit", (code, signal) => {
      this.closedWith = new Error(`process exited (${signal ?? code}); stderr: ${started.tail().slice(-500)}`);
      for (const entry of this.pending.values()) entry.reject(this.closedWith);
      this.pending.clear();
    });
  }

  request(method: string, paramsJson: string): Promise<Json> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.started.child.stdin.write(`${requestBody(id, method, paramsJson)}\n`);
    });
  }

  async notify(method: string): Promise<void> {
    this.started.child.stdin.write(`${notificationBody(method)}\n`);
  }

  setConcurrency(_n: number): void {}

  async close(): Promise<void> {}

  private onData(chunk: string): void {
    const text = this.buffer.length > 0 ? this.buffer + chunk : chunk;
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      if (nl - start > 1) this.onLine(text.slice(start, nl));
      start = nl + 1;
    }
    this.buffer = start < text.length ? text.slice(start) : "";
  }

  private onLine(line: string): void {
    let message: Json;
    try {
      message = JSON.parse(line) as Json;
    } catch {
      return;
    }
    const id = message.id;
    if ("method" in message) {
      // A server-to-client request: answer so the server never waits (ping succeeds, anything else is refused).
      if (id !== undefined && id !== null) {
        const body =
          message.method === "ping"
            ? { jsonrpc: "2.0", id, result: {} }
            : { jsonrpc: "2.0", id, error: { code: -32601, message: "not supported by the benchmark client" } };
        this.started.child.stdin.write(`${JSON.stringify(body)}\n`);
      }
      return;
    }
    if (typeof id !== "number") return;
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.resolve(message);
  }
}
