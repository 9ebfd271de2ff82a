// The tracing port: spans for incoming requests, upstream calls and server starts, without the domain or the
// fronts depending on OpenTelemetry. With tracing off every method is a no-op (no SDK is loaded).

export type SpanAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

/** A span that already ended, recorded from a domain event under the request being handled. */
export interface FinishedSpan {
  name: string;
  /** client: a request sent upstream; internal: work of the gateway itself (a server start). */
  kind: "client" | "internal";
  /** Epoch milliseconds. */
  startTime: number;
  durationMs: number;
  attributes: SpanAttributes;
  /** Marks the span failed, with this description. */
  error?: string;
}

export interface Tracer {
  readonly enabled: boolean;
  /**
   * Runs `fn` inside a server span for an incoming request, continuing the caller's W3C trace context
   * (`traceparent`/`tracestate` in `headers`); the span ends when `fn` settles.
   */
  serverSpan<T>(
    name: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    attributes: SpanAttributes,
    fn: () => Promise<T>,
  ): Promise<T>;
  /** Adds attributes to the span of the request being handled (renames it, marks it failed); no-op outside one. */
  annotate(attributes: SpanAttributes, options?: { name?: string; error?: string }): void;
  /** Adds a timestamped event to the span of the request being handled. */
  addEvent(name: string, attributes: SpanAttributes): void;
  /** Records a finished span as a child of the request being handled (a root span outside one). */
  record(span: FinishedSpan): void;
  /** Sets `traceparent` (and `tracestate`) of the current span on an outgoing request's headers. */
  inject(headers: Record<string, string>): void;
  /** Trace and span id of the current span, for log lines. */
  ids(): { traceId: string; spanId: string } | undefined;
  /** Exports what is buffered, waiting at most `timeoutMs` (a hanging collector is abandoned). Idempotent. */
  close(timeoutMs: number): Promise<void>;
}

/** Tracing off: the cost is one property read per call site. */
export const NO_TRACER: Tracer = Object.freeze({
  enabled: false,
  serverSpan: <T>(_n: string, _h: unknown, _a: SpanAttributes, fn: () => Promise<T>) => fn(),
  annotate: () => {},
  addEvent: () => {},
  record: () => {},
  inject: () => {},
  ids: () => undefined,
  close: async () => {},
});
