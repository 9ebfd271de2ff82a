// Configuration of logs and traces beyond level and format: the optional log file, the limits on captured
// upstream stderr, and OpenTelemetry export. Part of the gateway section (schema.ts).
import { z } from "zod";

export const UpstreamStderrSchema = z
  .object({
    linesPerSecond: z
      .number()
      .int()
      .min(1)
      .default(20)
      .describe("Stderr lines of one server logged per second once its burst is spent; default 20."),
    burstLines: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe("Stderr lines of one server logged at once before the rate applies; default 100."),
    maxLineChars: z
      .number()
      .int()
      .min(80)
      .default(4096)
      .describe("Longer stderr lines are cut to this many characters (the cut is noted). Characters; default 4096."),
  })
  .strict()
  .describe(
    "How upstream stderr reaches the logs: line by line, rate-limited per server (a token bucket); lines over the rate are counted and reported as one `suppressed` entry.",
  );

export const TracingSchema = z
  .object({
    endpoint: z
      .string()
      .optional()
      .describe(
        "OTLP/HTTP collector URL (e.g. http://otel-collector:4318); `/v1/traces` is appended unless the path already names it. `${VAR}` allowed. Unset or empty: no tracing SDK is loaded (env OTLP_ENDPOINT).",
      ),
    serviceName: z
      .string()
      .min(1)
      .default("switchboard")
      .describe("The service.name resource attribute; default switchboard (env OTEL_SERVICE_NAME)."),
    sampleRatio: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe(
        "Share of new traces recorded (parent-based: a client's sampled traceparent is followed); default 1 (env OTEL_TRACES_SAMPLER_ARG).",
      ),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe("Extra HTTP headers on export requests (e.g. an API key); `${VAR}` allowed; never logged."),
    exportTimeoutMs: z
      .number()
      .int()
      .min(100)
      .default(3_000)
      .describe("Bound on one export request and on the final flush at shutdown. Milliseconds; default 3000."),
    propagate: z
      .boolean()
      .default(true)
      .describe("Send the trace context to HTTP upstreams as a `traceparent` header; default true."),
  })
  .strict()
  .describe("OpenTelemetry traces: spans for requests, upstream calls and server starts, exported over OTLP/HTTP.");
