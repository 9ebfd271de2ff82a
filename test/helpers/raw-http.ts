// Raw node:http helpers for what fetch cannot do: forbidden headers (Host), chunked uploads without a
// content-length, and reading an SSE stream incrementally while it stays open.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";

export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: any;
}

export interface RawRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent in one piece (with a content-length). */
  body?: string;
  /** Sent as separate writes with chunked transfer encoding (no content-length), `chunkDelayMs` apart. */
  chunks?: string[];
  chunkDelayMs?: number;
  /** Gives up after this long: resolves with what arrived if the head came (an open stream), else rejects. */
  timeoutMs?: number;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One request over a fresh connection (no keep-alive agent). Resolves with the first response even when the
 * server answers before the upload is complete (e.g. 413 mid-upload); errors after the response are ignored.
 */
export function rawRequest(url: string, options: RawRequestOptions = {}): Promise<RawReply> {
  const target = new URL(url);
  return new Promise<RawReply>((resolve, reject) => {
    let answered = false;
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
    if (options.chunks) headers["transfer-encoding"] = "chunked";
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? "GET",
        headers,
        agent: false,
        setHost: !Object.keys(headers).some((h) => h.toLowerCase() === "host"),
      },
      (res: IncomingMessage) => {
        answered = true;
        const parts: Buffer[] = [];
        const finish = () => {
          clearTimeout(timer);
          const text = Buffer.concat(parts).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parseJson(text) });
          req.destroy();
        };
        res.on("data", (chunk: Buffer) => parts.push(chunk));
        res.on("end", finish);
        res.on("error", (error) => {
          clearTimeout(timer);
          reject(error);
        });
        onTimeout = finish;
      },
    );
    let onTimeout = () => {
      req.destroy();
      reject(new Error(`no response from ${url} within ${options.timeoutMs} ms`));
    };
    const timer = setTimeout(() => onTimeout(), options.timeoutMs ?? 30_000);
    timer.unref();
    req.on("error", (error) => {
      clearTimeout(timer);
      if (!answered) reject(error);
    });
    if (options.chunks) {
      const chunks = [...options.chunks];
      const delay = options.chunkDelayMs ?? 10;
      const writeNext = () => {
        if (answered || req.destroyed) return;
        const chunk = chunks.shift();
        if (chunk === undefined) {
          req.end();
          return;
        }
        req.write(chunk);
        setTimeout(writeNext, delay);
      };
      writeNext();
    } else {
      req.end(options.body);
    }
  });
}

export interface SseStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Parsed `data:` payloads received so far. */
  readonly messages: any[];
  /** Raw text received so far (comments included). */
  readonly raw: string;
  /** True once the server ended the stream. */
  readonly ended: boolean;
  close(): void;
}

/** Opens a GET stream and keeps reading it in the background; resolves once the response head arrived. */
export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  const reader = await openEventStream(url, { headers: { accept: "text/event-stream", ...headers } });
  return {
    status: reader.status,
    headers: reader.headers,
    get messages() {
      return reader.events.map((event) => event.data);
    },
    get raw() {
      return reader.raw;
    },
    get ended() {
      return reader.ended;
    },
    close: reader.close,
  };
}

export interface SseEvent {
  id: string | undefined;
  data: any;
}

export interface EventStreamReader {
  status: number;
  headers: IncomingHttpHeaders;
  /** Events with data received so far, with their ids (priming events carry no data and are skipped). */
  readonly events: SseEvent[];
  /** The id of the last event seen, priming events included. */
  readonly lastEventId: string | undefined;
  /** Raw text received so far (comments included). */
  readonly raw: string;
  readonly ended: boolean;
  /** Breaks the connection (as a network failure would). */
  close(): void;
}

/** Sends a request whose answer is an SSE stream (a POST upgraded to SSE, or a GET) and reads it as it comes. */
export function openEventStream(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<EventStreamReader> {
  const target = new URL(url);
  return new Promise<EventStreamReader>((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? "GET",
        headers: {
          accept: "application/json, text/event-stream",
          "content-type": "application/json",
          ...options.headers,
        },
        agent: false,
      },
      (res) => {
        const events: SseEvent[] = [];
        let lastEventId: string | undefined;
        let raw = "";
        let pending = "";
        let ended = false;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          raw += chunk;
          pending += chunk;
          for (let end = pending.indexOf("\n\n"); end >= 0; end = pending.indexOf("\n\n")) {
            const lines = pending.slice(0, end).split("\n");
            pending = pending.slice(end + 2);
            const id = lines.find((l) => l.startsWith("id: "))?.slice(4);
            if (id !== undefined) lastEventId = id;
            const data = lines
              .filter((l) => l.startsWith("data: "))
              .map((l) => l.slice(6))
              .join("\n");
            if (data.trim()) events.push({ id, data: JSON.parse(data) });
          }
        });
        const finish = () => {
          ended = true;
        };
        res.on("end", finish);
        res.on("close", finish);
        res.on("error", finish);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          events,
          get lastEventId() {
            return lastEventId;
          },
          get raw() {
            return raw;
          },
          get ended() {
            return ended;
          },
          close: () => req.destroy(),
        });
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}
