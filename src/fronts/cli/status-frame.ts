// One frame of `switchboard status`: the gateway's totals and a table of servers, built from two successive
// health documents (request rates are the difference between them; the first frame uses the gateway's window).
import { printable } from "../../core/printable.ts";
import type { HealthDocument, ServerHealth } from "../http/health-document.ts";
import { formatTable } from "./table.ts";

/** A health document and when it was fetched (epoch ms). */
export interface Sample {
  health: HealthDocument;
  atMs: number;
}

export interface FrameOptions {
  url: string;
  /** Colour status words (ANSI) — only for a terminal. */
  color: boolean;
}

const COLORS: Record<string, string> = {
  healthy: "32",
  ready: "32",
  closed: "32",
  asleep: "2",
  disabled: "2",
  degraded: "33",
  "half-open": "33",
  backoff: "33",
  starting: "36",
  unhealthy: "31",
  failed: "31",
  open: "31",
};

export function renderFrame(current: Sample, previous: Sample | undefined, options: FrameOptions): string[] {
  const { health } = current;
  const paint = (word: string) => {
    const code = COLORS[word];
    return options.color && code ? `\x1b[${code}m${word}\x1b[0m` : word;
  };
  const m = health.metrics;
  const elapsedS = previous ? (current.atMs - previous.atMs) / 1000 : 0;
  const rate = (now: number, before: number | undefined, windowRate: number) =>
    before === undefined || elapsedS <= 0 ? windowRate : Math.max(0, now - before) / elapsedS;
  const totalRate = rate(m.request_count, previous?.health.metrics.request_count, m.recent.requests_per_second);
  const lines = [
    `Switchboard ${health.version} at ${options.url}: ${paint(health.status)}, up ${duration(health.uptime_seconds)}` +
      `${health.phase === "serving" ? "" : ` (${health.phase})`}  ${health.timestamp}`,
    `requests ${m.request_count} (${perSecond(totalRate)})  errors ${m.error_count} (${percent(m.error_rate)})  ` +
      `mean ${ms(m.recent.average_response_time_ms ?? m.average_response_time_ms)}  p95 ${ms(m.recent.p95_ms)}  ` +
      `breakers ${paint(m.circuit_breaker_state)}`,
    `sessions ${health.sessions}  connections ${m.active_connections}  in flight ${health.in_flight}  ` +
      `memory ${m.memory_usage_mb} MB  servers ${health.servers.ready}/${health.servers.total} ready`,
    "",
  ];
  const servers = Object.values(health.upstreams);
  const rows = servers.map((s) => {
    const before = previous?.health.upstreams[s.name]?.metrics.request_count;
    return serverRow(s, rate(s.metrics.request_count, before, s.metrics.recent.requests_per_second));
  });
  const header = ["SERVER", "HEALTH", "STATE", "REQ/S", "REQUESTS", "ERRORS", "ERR%", "MEAN", "P95", "BREAKER"];
  const table = formatTable([...header, "RESTARTS", "LAST ERROR"], rows).split("\n");
  // Colour after padding so the columns stay aligned.
  lines.push(table[0] as string);
  for (const [i, server] of servers.entries()) {
    let line = table[i + 1] as string;
    if (options.color) {
      line = line
        .replace(` ${server.status} `, ` ${paint(server.status)} `)
        .replace(` ${server.state} `, ` ${paint(server.state)} `);
    }
    lines.push(line);
  }
  if (servers.length === 0) lines.push("(no servers configured)");
  return lines;
}

function serverRow(s: ServerHealth, ratePerSecond: number): string[] {
  const m = s.metrics;
  const lastError = s.last_call_error
    ? `${s.last_call_error.kind} at ${s.last_call_error.at.slice(11, 19)}`
    : (s.last_error ?? "-");
  return [
    s.name,
    s.status,
    s.state,
    perSecond(ratePerSecond, false),
    String(m.request_count),
    String(m.error_count),
    percent(m.error_rate),
    ms(m.recent.average_response_time_ms ?? (m.request_count > 0 ? m.average_response_time_ms : null)),
    ms(m.recent.p95_ms),
    s.circuit_breaker_state,
    String(s.restarts),
    truncate(lastError, 60),
  ];
}

function perSecond(rate: number, unit = true): string {
  const text = rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
  return unit ? `${text}/s` : text;
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.001 ? 3 : 1)}%`;
}

function ms(value: number | null): string {
  if (value === null) return "-";
  return value >= 1000 ? `${(value / 1000).toFixed(2)}s` : `${value.toFixed(1)}ms`;
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(s).padStart(2, "0")}s` : `${s}s`;
}

function truncate(text: string, max: number): string {
  const line = printable(text.replace(/\s+/g, " "));
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
