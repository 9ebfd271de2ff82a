// Medians over rounds, the ratios the product cares about, goal verdicts, and the Markdown tables.
import type { TargetRound } from "./scenarios.ts";
import { max, median, min } from "./stats.ts";
import { TARGETS, type TargetId } from "./targets.ts";

export interface LevelSummary {
  concurrency: number;
  callsPerSec: number | undefined;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
  gatewayCpuPerCallUs: number | undefined;
  /** Share of the gateway's CPU spent in the kernel (0..1). */
  gatewayKernelShare: number | undefined;
  upstreamCpuPerCallUs: number | undefined;
  clientCpuPerCallUs: number | undefined;
  machineBusyCores: number | undefined;
  /** Read + write syscalls of the gateway per call. */
  gatewaySyscallsPerCall: number | undefined;
}

export interface TargetSummary {
  target: TargetId;
  rounds: number;
  errors: number;
  coldConnectMs: number | undefined;
  sessionConnectMs: number | undefined;
  sessionSpawnedMax: number | undefined;
  toolsListP50Ms: number | undefined;
  levels: LevelSummary[];
  gatewayCpuPerCallUs: number | undefined;
  upstreamCpuPerCallUs: number | undefined;
  clientCpuPerCallUs: number | undefined;
  gatewayRssIdleMiB: number | undefined;
  gatewayRssAfterLoadMiB: number | undefined;
  upstreamRssIdleMiB: number | undefined;
  upstreamRssAfterLoadMiB: number | undefined;
  /** Machine-wide busy cores during the highest concurrency level. */
  busyCoresAtTop: number | undefined;
  /** The largest share of a core used by other processes during any measured level (noise indicator). */
  otherBusyCoresMax: number | undefined;
  /** Rounds kept although other processes were busy (their re-runs ran out). */
  noisyRounds: number;
}

export interface Ratio {
  name: string;
  /** From the medians over rounds. */
  value: number | undefined;
  /** Smallest and largest of the same ratio computed round by round. */
  perRoundMin: number | undefined;
  perRoundMax: number | undefined;
  goal: string;
  met: boolean | undefined;
  unit: "x" | "ms" | "MiB" | "processes";
}

const byLevel = (r: TargetRound, c: number) => r.levels.find((l) => l.concurrency === c);
const perCall = (us: number | undefined, calls: number | undefined) =>
  us === undefined || calls === undefined ? undefined : us / calls;

export function summarize(results: readonly TargetRound[], target: TargetId, levels: readonly number[]): TargetSummary {
  const mine = results.filter((r) => r.target === target);
  const m = (pick: (r: TargetRound) => number | undefined) => median(mine.map(pick));
  const spawned = mine.flatMap((r) => r.sessionSpawnedProcesses ?? []);
  return {
    target,
    rounds: mine.length,
    errors: mine.reduce((sum, r) => sum + r.levels.reduce((s, l) => s + l.errors, 0), 0),
    coldConnectMs: m((r) => r.coldConnectMs),
    sessionConnectMs: m((r) => (r.sessionConnectMs ? median(r.sessionConnectMs) : undefined)),
    sessionSpawnedMax: spawned.length ? Math.max(...spawned) : undefined,
    toolsListP50Ms: m((r) => r.toolsListP50Ms),
    levels: levels.map((c) => ({
      concurrency: c,
      callsPerSec: m((r) => byLevel(r, c)?.callsPerSec),
      p50Ms: m((r) => byLevel(r, c)?.p50Ms),
      p99Ms: m((r) => byLevel(r, c)?.p99Ms),
      gatewayCpuPerCallUs: m((r) => perCall(byLevel(r, c)?.gatewayCpuUs, byLevel(r, c)?.cpuCalls)),
      gatewayKernelShare: m((r) => {
        const l = byLevel(r, c);
        return l?.gatewaySystemCpuUs === undefined || !l.gatewayCpuUs
          ? undefined
          : l.gatewaySystemCpuUs / l.gatewayCpuUs;
      }),
      upstreamCpuPerCallUs: m((r) => perCall(byLevel(r, c)?.upstreamCpuUs, byLevel(r, c)?.cpuCalls)),
      clientCpuPerCallUs: m((r) => perCall(byLevel(r, c)?.clientCpuUs, byLevel(r, c)?.cpuCalls)),
      machineBusyCores: m((r) => byLevel(r, c)?.machineBusyCores),
      gatewaySyscallsPerCall: m((r) => {
        const l = byLevel(r, c);
        return l?.gatewayReadSyscalls === undefined || l.gatewayWriteSyscalls === undefined
          ? undefined
          : (l.gatewayReadSyscalls + l.gatewayWriteSyscalls) / l.cpuCalls;
      }),
    })),
    gatewayCpuPerCallUs: m((r) => r.gatewayCpuPerCallUs),
    upstreamCpuPerCallUs: m((r) => r.upstreamCpuPerCallUs),
    clientCpuPerCallUs: m((r) => r.clientCpuPerCallUs),
    gatewayRssIdleMiB: m((r) => r.gatewayRssIdleMiB),
    gatewayRssAfterLoadMiB: m((r) => r.gatewayRssAfterLoadMiB),
    upstreamRssIdleMiB: m((r) => r.upstreamRssIdleMiB),
    upstreamRssAfterLoadMiB: m((r) => r.upstreamRssAfterLoadMiB),
    busyCoresAtTop: m((r) => byLevel(r, Math.max(...levels))?.machineBusyCores),
    otherBusyCoresMax: max(mine.flatMap((r) => r.levels.map((l) => l.otherBusyCores))),
    noisyRounds: mine.filter((r) => r.noisy).length,
  };
}

type Metric = (r: TargetRound) => number | undefined;
type Combine = (a: number, b: number) => number;

function compare(
  results: readonly TargetRound[],
  name: string,
  a: TargetId,
  b: TargetId,
  metric: Metric,
  combine: Combine,
  goal: { text: string; ok: (v: number) => boolean; unit: Ratio["unit"] },
): Ratio {
  const rounds = [...new Set(results.map((r) => r.round))];
  const perRound: number[] = [];
  for (const round of rounds) {
    const ra = results.find((r) => r.round === round && r.target === a);
    const rb = results.find((r) => r.round === round && r.target === b);
    const va = ra && metric(ra);
    const vb = rb && metric(rb);
    if (va !== undefined && vb !== undefined) perRound.push(combine(va, vb));
  }
  const ma = median(results.filter((r) => r.target === a).map(metric));
  const mb = median(results.filter((r) => r.target === b).map(metric));
  const value = ma === undefined || mb === undefined ? undefined : combine(ma, mb);
  return {
    name,
    value,
    perRoundMin: min(perRound),
    perRoundMax: max(perRound),
    goal: goal.text,
    met: value === undefined ? undefined : goal.ok(value),
    unit: goal.unit,
  };
}

export function ratios(results: readonly TargetRound[], levels: readonly number[]): Ratio[] {
  const low = levels.includes(1) ? 1 : Math.min(...levels);
  const high = levels.includes(64) ? 64 : Math.max(...levels);
  const tput: Metric = (r) => byLevel(r, high)?.callsPerSec;
  const p50: Metric = (r) => byLevel(r, low)?.p50Ms;
  const p99: Metric = (r) => byLevel(r, high)?.p99Ms;
  const cpu: Metric = (r) => r.gatewayCpuPerCallUs;
  // What the independent harness reports as "CPU per call": the lowest level alone, where a call cannot share an
  // event-loop turn, a wake-up or a syscall with another, and the JIT is least warm.
  const cpuLow: Metric = (r) => perCall(byLevel(r, low)?.gatewayCpuUs, byLevel(r, low)?.cpuCalls);
  const div: Combine = (x, y) => x / y;
  const sub: Combine = (x, y) => x - y;
  const out = [
    compare(results, `calls/s at c=${high}: Switchboard HTTP / mcp-proxy`, "switchboard-http", "mcp-proxy", tput, div, {
      text: "≥ 2.75×",
      ok: (v) => v >= 2.75,
      unit: "x",
    }),
    compare(
      results,
      `calls/s at c=${high}: Switchboard HTTP / supergateway`,
      "switchboard-http",
      "supergateway",
      tput,
      div,
      { text: "≥ 4×", ok: (v) => v >= 4, unit: "x" },
    ),
    compare(results, `p50 at c=${low}: Switchboard HTTP / mcp-proxy`, "switchboard-http", "mcp-proxy", p50, div, {
      text: "≤ 0.55×",
      ok: (v) => v <= 0.55,
      unit: "x",
    }),
    compare(results, `p99 at c=${high}: Switchboard HTTP / mcp-proxy`, "switchboard-http", "mcp-proxy", p99, div, {
      text: "≤ 0.15×",
      ok: (v) => v <= 0.15,
      unit: "x",
    }),
    compare(
      results,
      "gateway CPU per call (all levels): Switchboard HTTP / mcp-proxy",
      "switchboard-http",
      "mcp-proxy",
      cpu,
      div,
      {
        text: "≤ 0.25×",
        ok: (v) => v <= 0.25,
        unit: "x",
      },
    ),
    compare(
      results,
      `gateway CPU per call at c=${low}: Switchboard HTTP / mcp-proxy`,
      "switchboard-http",
      "mcp-proxy",
      cpuLow,
      div,
      { text: "≤ 0.25×", ok: (v) => v <= 0.25, unit: "x" },
    ),
    compare(results, `p50 at c=${low}: Switchboard stdio − direct`, "switchboard-stdio", "direct", p50, sub, {
      text: "≤ 0.1 ms",
      ok: (v) => v <= 0.1,
      unit: "ms",
    }),
    compare(results, `calls/s at c=${high}: Switchboard stdio / direct`, "switchboard-stdio", "direct", tput, div, {
      text: "≥ 0.8×",
      ok: (v) => v >= 0.8,
      unit: "x",
    }),
  ];
  const spawned = results
    .filter((r) => r.target === "switchboard-http")
    .flatMap((r) => r.sessionSpawnedProcesses ?? []);
  out.push({
    name: "processes spawned by a session connect (Switchboard HTTP, max)",
    value: spawned.length ? Math.max(...spawned) : undefined,
    perRoundMin: min(spawned),
    perRoundMax: max(spawned),
    goal: "= 0",
    met: spawned.length ? spawned.every((n) => n === 0) : undefined,
    unit: "processes",
  });
  for (const target of ["switchboard-http", "switchboard-stdio"] as const) {
    const values = results.filter((r) => r.target === target).map((r) => r.gatewayRssIdleMiB);
    const value = median(values);
    out.push({
      name: `idle RSS: ${TARGETS[target].label}`,
      value,
      perRoundMin: min(values),
      perRoundMax: max(values),
      goal: "≤ 60 MiB",
      met: value === undefined ? undefined : value <= 60,
      unit: "MiB",
    });
  }
  const ab = { text: "(A/B)", ok: () => true, unit: "x" as const };
  if (results.some((r) => r.target === "switchboard-http-b")) {
    const [b, a] = ["switchboard-http-b", "switchboard-http"] as const;
    out.push(
      compare(results, `calls/s at c=${high}: HTTP (B) / HTTP`, b, a, tput, div, ab),
      compare(results, `p50 at c=${low}: HTTP (B) / HTTP`, b, a, p50, div, ab),
      compare(results, `p99 at c=${high}: HTTP (B) / HTTP`, b, a, p99, div, ab),
      compare(results, "gateway CPU per call: HTTP (B) / HTTP", b, a, cpu, div, ab),
    );
  }
  if (results.some((r) => r.target === "switchboard-stdio-b")) {
    const [b, a] = ["switchboard-stdio-b", "switchboard-stdio"] as const;
    out.push(
      compare(results, `calls/s at c=${high}: stdio (B) / stdio`, b, a, tput, div, ab),
      compare(results, `p50 at c=${low}: stdio (B) / stdio`, b, a, p50, div, ab),
      compare(results, "gateway CPU per call: stdio (B) / stdio", b, a, cpu, div, ab),
    );
  }
  return out;
}

const fmt = (v: number | undefined, digits = 2) => (v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits));
const fmtInt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "–" : Math.round(v).toString());

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

export function latencyTable(summaries: readonly TargetSummary[], levels: readonly number[]): string {
  const low = levels.includes(1) ? 1 : Math.min(...levels);
  const header = [
    "target",
    "cold connect ms",
    "session connect ms",
    "tools/list p50 ms",
    `echo p50 c=${low} ms`,
    `echo p99 c=${low} ms`,
    ...levels.map((c) => `calls/s c=${c}`),
    ...levels.filter((c) => c !== low).map((c) => `p99 c=${c} ms`),
  ];
  const rows = summaries.map((s) => {
    const lowLevel = s.levels.find((l) => l.concurrency === low);
    return [
      TARGETS[s.target].label,
      fmt(s.coldConnectMs, 0),
      fmt(s.sessionConnectMs),
      fmt(s.toolsListP50Ms, 3),
      fmt(lowLevel?.p50Ms, 3),
      fmt(lowLevel?.p99Ms, 3),
      ...levels.map((c) => fmtInt(s.levels.find((l) => l.concurrency === c)?.callsPerSec)),
      ...levels.filter((c) => c !== low).map((c) => fmt(s.levels.find((l) => l.concurrency === c)?.p99Ms)),
    ];
  });
  return table(header, rows);
}

export function resourceTable(summaries: readonly TargetSummary[]): string {
  const header = [
    "target",
    "gateway CPU µs/call",
    "upstream CPU µs/call",
    "client CPU µs/call",
    "gateway RSS idle MiB",
    "gateway RSS after load MiB",
    "upstream RSS idle MiB",
    "processes per new session",
    "busy cores at top level",
    "other processes' cores (max)",
    "noisy rounds kept",
    "errors",
  ];
  const rows = summaries.map((s) => [
    TARGETS[s.target].label,
    fmt(s.gatewayCpuPerCallUs, 0),
    fmt(s.upstreamCpuPerCallUs, 0),
    fmt(s.clientCpuPerCallUs, 0),
    fmt(s.gatewayRssIdleMiB, 1),
    fmt(s.gatewayRssAfterLoadMiB, 1),
    fmt(s.upstreamRssIdleMiB, 1),
    s.sessionSpawnedMax === undefined ? "n/a" : String(s.sessionSpawnedMax),
    fmt(s.busyCoresAtTop, 2),
    fmt(s.otherBusyCoresMax, 2),
    String(s.noisyRounds),
    String(s.errors),
  ]);
  return table(header, rows);
}

export function ratioTable(list: readonly Ratio[]): string {
  const show = (v: number | undefined, unit: Ratio["unit"]) =>
    v === undefined
      ? "–"
      : unit === "x"
        ? `${v.toFixed(2)}×`
        : unit === "ms"
          ? `${v.toFixed(3)} ms`
          : unit === "MiB"
            ? `${v.toFixed(1)} MiB`
            : String(v);
  const rows = list.map((r) => [
    r.name,
    show(r.value, r.unit),
    r.perRoundMin === undefined ? "–" : `${show(r.perRoundMin, r.unit)} … ${show(r.perRoundMax, r.unit)}`,
    r.goal,
    r.goal === "(A/B)" ? "–" : r.met === undefined ? "no data" : r.met ? "met" : "NOT met",
  ]);
  return table(["measure", "value (medians)", "per-round range", "goal", "verdict"], rows);
}

/** CPU per call of each process, the gateway's syscalls per call and machine-wide busy cores, per level. */
export function cpuByLevelTable(summaries: readonly TargetSummary[], levels: readonly number[]): string {
  const header = [
    "target",
    ...levels.flatMap((c) => [
      `c=${c} gateway / upstream / client µs`,
      `c=${c} gateway kernel %`,
      `c=${c} gateway syscalls`,
      `c=${c} busy cores`,
    ]),
  ];
  const rows = summaries.map((s) => [
    TARGETS[s.target].label,
    ...levels.flatMap((c) => {
      const l = s.levels.find((x) => x.concurrency === c);
      return [
        `${fmt(l?.gatewayCpuPerCallUs, 0)} / ${fmt(l?.upstreamCpuPerCallUs, 0)} / ${fmt(l?.clientCpuPerCallUs, 0)}`,
        l?.gatewayKernelShare === undefined ? "–" : `${Math.round(l.gatewayKernelShare * 100)}%`,
        fmt(l?.gatewaySyscallsPerCall, 1),
        fmt(l?.machineBusyCores, 2),
      ];
    }),
  ]);
  return table(header, rows);
}
