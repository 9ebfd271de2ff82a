// The metrics port: what the HTTP front serves at GET /metrics (the Prometheus adapter implements it).

export interface MetricsExporter {
  /** Content type of render()'s text (Prometheus text exposition format 0.0.4). */
  readonly contentType: string;
  /** The current metrics in the exposition format; reads gauges at this moment. */
  render(): Promise<string>;
  /** Stops listening to events. Idempotent. */
  close(): void;
}
