// The Tracer port on the OpenTelemetry SDK, exporting over OTLP/HTTP (JSON). Loaded only when an endpoint is
// configured. Nothing is registered globally: the provider, context manager and propagator belong to this
// gateway, so two gateways in one process (tests) keep their traces apart.
import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import type { TracingSettings } from "../../core/gateway-config.ts";
import { GATEWAY_VERSION } from "../../core/version.ts";
import type { Logger } from "../../ports/logger.ts";
import type { SpanAttributes, Tracer } from "../../ports/tracer.ts";

/** Spans are sent in batches this often (and at shutdown). */
const EXPORT_DELAY_MS = 2_000;

export function createOtelTracer(settings: TracingSettings, logger: Logger): Tracer {
  const exporter = new OTLPTraceExporter({
    url: settings.endpoint,
    headers: { ...settings.headers },
    timeoutMillis: settings.exportTimeoutMs,
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      [ATTR_SERVICE_VERSION]: GATEWAY_VERSION,
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: EXPORT_DELAY_MS,
        exportTimeoutMillis: settings.exportTimeoutMs,
      }),
    ],
  });
  const tracer = provider.getTracer("switchboard", GATEWAY_VERSION);
  const contexts = new AsyncLocalStorageContextManager().enable();
  const propagator = new W3CTraceContextPropagator();
  const current = (): Span | undefined => trace.getSpan(contexts.active());
  let closing: Promise<void> | undefined;
  logger.info({ endpoint: settings.endpoint, sampleRatio: settings.sampleRatio }, "exporting traces over OTLP/HTTP");

  return {
    enabled: true,
    serverSpan(name, headers, attributes, fn) {
      const parent: Context = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: defined(attributes) }, parent);
      return contexts.with(trace.setSpan(parent, span), async () => {
        try {
          return await fn();
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
          throw error;
        } finally {
          span.end();
        }
      });
    },
    annotate(attributes, options) {
      const span = current();
      if (!span) return;
      span.setAttributes(defined(attributes));
      if (options?.name) span.updateName(options.name);
      if (options?.error) span.setStatus({ code: SpanStatusCode.ERROR, message: options.error });
    },
    addEvent(name, attributes) {
      current()?.addEvent(name, defined(attributes));
    },
    record(finished) {
      const span = tracer.startSpan(
        finished.name,
        {
          kind: finished.kind === "client" ? SpanKind.CLIENT : SpanKind.INTERNAL,
          startTime: finished.startTime,
          attributes: defined(finished.attributes),
        },
        contexts.active(),
      );
      if (finished.error) span.setStatus({ code: SpanStatusCode.ERROR, message: finished.error });
      span.end(finished.startTime + finished.durationMs);
    },
    inject(headers) {
      propagator.inject(contexts.active(), headers, defaultTextMapSetter);
    },
    ids() {
      const span = current();
      if (!span) return undefined;
      const { traceId, spanId } = span.spanContext();
      return { traceId, spanId };
    },
    close(timeoutMs) {
      closing ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<"late">((resolve) => {
          timer = setTimeout(() => resolve("late"), timeoutMs);
        });
        const flushed = provider.shutdown().then(
          () => "done" as const,
          (error: unknown) => {
            logger.warn({ err: error }, "could not export the last spans");
            return "done" as const;
          },
        );
        if ((await Promise.race([flushed, deadline])) === "late") {
          logger.warn({ timeoutMs }, "the trace collector did not answer in time: the last spans are dropped");
        }
        clearTimeout(timer);
        contexts.disable();
      })();
      return closing;
    },
  };
}

/** OpenTelemetry rejects undefined attribute values: leave them out. */
function defined(attributes: SpanAttributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}
