// The lean MCP streamable-HTTP client (node:http keep-alive Agent), the same for every HTTP target.
// Answers may be plain JSON or an SSE stream; the response is the `data:` event carrying the request id.
import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { assertInitialized, type Channel, initializeParams, type Json, notificationBody, requestBody } from "./rpc.ts";

interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export class HttpChannel implements Channel {
  readonly url: URL;
  sessionId: string | undefined;
  private protocolVersion: string | undefined;
  private agent: Agent;
  private nextId = 1;

  /** The protocol revision initialize asks for (also the header value when the answer names none). */
  private readonly asked: string;

  constructor(url: URL, asked: string, concurrency = 1) {
    this.url = url;
    this.asked = asked;
    this.agent = newAgent(concurrency);
  }

  /** A new session: initialize (timed by the caller), then notifications/initialized. */
  static async open(url: URL, who: string, asked: string): Promise<{ channel: HttpChannel; initializeMs: number }> {
    const channel = new HttpChannel(url, asked);
    const begin = performance.now();
    const response = await channel.request("initialize", initializeParams(asked));
    const initializeMs = performance.now() - begin;
    assertInitialized(response, who);
    await channel.notify("notifications/initialized");
    return { channel, initializeMs };
  }

  setConcurrency(n: number): void {
    this.agent.destroy();
    this.agent = newAgent(n);
  }

  async request(method: string, paramsJson: string): Promise<Json> {
    const id = this.nextId++;
    const reply = await this.post(requestBody(id, method, paramsJson));
    if (reply.status !== 200) throw new Error(`HTTP ${reply.status} for ${method}: ${reply.text.slice(0, 300)}`);
    if (method === "initialize") {
      const session = reply.headers["mcp-session-id"];
      if (typeof session === "string") this.sessionId = session;
    }
    const message = parseReply(reply, id);
    if (method === "initialize") {
      const version = (message.result as { protocolVersion?: string } | undefined)?.protocolVersion;
      this.protocolVersion = version ?? this.asked;
    }
    return message;
  }

  async notify(method: string): Promise<void> {
    const reply = await this.post(notificationBody(method));
    if (reply.status !== 202 && reply.status !== 200)
      throw new Error(`HTTP ${reply.status} for ${method}: ${reply.text.slice(0, 300)}`);
  }

  /** DELETEs the session (when there is one) and closes the pooled sockets. */
  async close(): Promise<void> {
    if (this.sessionId) {
      try {
        await this.send("DELETE", undefined);
      } catch {
        // the target may already be gone
      }
      this.sessionId = undefined;
    }
    this.agent.destroy();
  }

  private post(body: string): Promise<RawReply> {
    return this.send("POST", body);
  }

  private send(method: "POST" | "DELETE", body: string | undefined): Promise<RawReply> {
    const headers: Record<string, string> = {
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
    };
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    if (this.sessionId) headers["mcp-session-id"] = this.sessionId;
    if (this.protocolVersion) headers["mcp-protocol-version"] = this.protocolVersion;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          path: this.url.pathname,
          method,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text:
                chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8"),
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }
}

function newAgent(concurrency: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
}

/** A JSON body, or the SSE event whose data holds the response with this id (priming events have empty data). */
function parseReply(reply: RawReply, id: number): Json {
  const type = reply.headers["content-type"] ?? "";
  if (!type.includes("text/event-stream")) return JSON.parse(reply.text) as Json;
  let last: Json | undefined;
  let data: string[] = [];
  const dispatch = (): Json | undefined => {
    const text = data.join("\n");
    data = [];
    if (text.trim().length === 0) return undefined;
    const message = JSON.parse(text) as Json;
    last = message;
    return message.id === id && !("method" in message) ? message : undefined;
  };
  for (const raw of reply.text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.length === 0) {
      const found = dispatch();
      if (found) return found;
    } else if (line.startsWith("data:")) {
      data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
    }
  }
  const found = dispatch();
  if (found) return found;
  if (last) return last;
  throw new Error(`SSE reply without a response: ${reply.text.slice(0, 300)}`);
}
