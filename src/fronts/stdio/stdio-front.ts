// The stdio front (`switchboard stdio`): the aggregated endpoint over newline-delimited JSON-RPC on
// stdin/stdout, for desktop clients. One session; requests are served concurrently; logs go to stderr.
// Rate limits apply as on HTTP: the one client of the process is its own client key, and the global limit
// (shared through Redis when configured) counts its requests with everyone else's.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { JsonRpcMessage, JsonRpcRequest } from "../../core/jsonrpc.ts";
import { createLineSplitter } from "../../core/line-splitter.ts";
import type { CorrelationScope } from "../../ports/correlation-scope.ts";
import type { Logger } from "../../ports/logger.ts";
import type { RateLimitGate } from "../../services/policies/rate-limits.ts";
import type { Router } from "../../services/router/router.ts";
import type { SessionRegistry } from "../../services/router/sessions.ts";
import { errorJson, replyJson } from "../shared/reply-encoder.ts";
import { admission, parseMessage, triage } from "../shared/triage.ts";

export interface StdioStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/** What the stdio front serves with: one session, the router, the rate limits and the log. */
export interface StdioFrontDeps {
  readonly sessions: Pick<SessionRegistry, "create" | "end">;
  readonly router: Pick<Router, "handle" | "notification" | "clientResponse">;
  readonly correlationScope: Pick<CorrelationScope, "run">;
  readonly rateLimits: RateLimitGate | undefined;
  readonly logger: Logger;
}

/** Serves until the input ends; resolves once every request read so far has been answered. */
export function serveStdio(
  gateway: StdioFrontDeps,
  streams: StdioStreams = { input: process.stdin, output: process.stdout },
): Promise<void> {
  const session = gateway.sessions.create({ kind: "aggregate" });
  const write = (line: string) => {
    streams.output.write(`${line}\n`);
  };
  session.push = (message) => {
    write(JSON.stringify(message));
    return true;
  };
  const pending = new Set<Promise<void>>();

  const onLine = (line: string) => {
    const parsed = parseMessage(line, "line");
    if (!parsed.ok) {
      write(errorJson(parsed.id, parsed.error));
      return;
    }
    const triaged = triage(parsed.message);
    if (triaged.kind === "response") {
      gateway.router.clientResponse(session, triaged.response);
      return;
    }
    if (triaged.kind === "notification") {
      gateway.router.notification(session, triaged.notification);
      return;
    }
    const { request } = triaged;
    // No headers on stdio: each request gets a generated correlation id (logs, audit and traces share it).
    const correlationId = randomUUID();
    const task = gateway.correlationScope
      .run(correlationId, () => serve(request, correlationId))
      // serve() answers errors itself; one that escapes (a rate-limit store failing) still gets its reply.
      .then(write, (error: unknown) => write(errorJson(request.id, error)))
      .finally(() => pending.delete(task));
    pending.add(task);
  };

  const send = (message: JsonRpcMessage) => {
    write(JSON.stringify(message));
    return true;
  };
  // Unique per process, so stdio gateways sharing one Redis do not share a client bucket.
  const clientKey = `stdio:${hostname()}:${process.pid}`;
  const serve = async (request: JsonRpcRequest, correlationId: string): Promise<string> => {
    const gate = gateway.rateLimits;
    const rejection = gate && (await admission(gate, clientKey, request.method, undefined));
    if (rejection) return errorJson(request.id, rejection);
    const controller = new AbortController();
    return replyJson(request.id, await gateway.router.handle(request, { session, correlationId, controller, send }));
  };

  // Inside a stream's 'data' handler a throw would end the process: a line that fails is logged and skipped.
  const guardedLine = (line: string) => {
    try {
      onLine(line);
    } catch (error) {
      gateway.logger.error({ err: error }, "handling a line from stdin failed; it was skipped");
    }
  };
  // A client that closed its end makes writes fail with EPIPE: without a listener that error ends the process.
  let outputFailed = false;
  streams.output.on("error", (error: Error) => {
    if (outputFailed) return;
    outputFailed = true;
    gateway.logger.warn({ err: error }, "stdout failed (the client closed it?); replies are dropped");
  });

  return new Promise((resolve) => {
    streams.input.on("data", createLineSplitter(guardedLine) as (chunk: string | Buffer) => void);
    streams.input.once("end", async () => {
      await Promise.allSettled([...pending]);
      gateway.sessions.end(session.id);
      resolve();
    });
  });
}
