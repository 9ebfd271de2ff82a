// Runs every scenario for one target in one round and reads its CPU, RSS and syscalls from /proc.
// Order: cold connect, idle RSS, session connect (with a child-process count), warm-up, tools/list, echo load per
// concurrency level.

import { availableParallelism } from "node:os";
import { HttpChannel } from "./http-client.ts";
import { closedLoop } from "./load.ts";
import { sleep, stop, trackTree } from "./processes.ts";
import {
  busyCores,
  cpuMicros,
  cpuMicrosOf,
  ioCounts,
  machineCpu,
  rssBytes,
  rssBytesOf,
  systemCpuMicros,
} from "./procfs.ts";
import { echoParams, isEchoOk, isToolsListOk } from "./rpc.ts";
import { percentile } from "./stats.ts";
import type { LaunchContext, Target, TargetId } from "./targets.ts";

export interface ScenarioOptions {
  calls: number;
  warmupCalls: number;
  levels: readonly number[];
  sessionSamples: number;
  listCalls: number;
  levelTimeoutMs: number;
  /** Unmeasured time at the start of each level (same loop, so the measured calls never see the start burst). */
  levelWarmupMs: number;
  settleMs: number;
}

export interface LevelResult {
  concurrency: number;
  /** Measured calls (latency, calls/s). */
  calls: number;
  /** All calls of the level's loop including warm-up and cool-down: CPU and syscalls are per these. */
  cpuCalls: number;
  errors: number;
  firstError: string | undefined;
  wallMs: number;
  callsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time (utime + stime) of the gateway process during the level; undefined for the direct server. */
  gatewayCpuUs: number | undefined;
  /** The part of gatewayCpuUs spent in the kernel (stime): syscalls, TCP loopback, pipe wake-ups. */
  gatewaySystemCpuUs: number | undefined;
  /** CPU time of the upstream server process(es): the gateway's descendants, or the direct server itself. */
  upstreamCpuUs: number;
  /** CPU time of this benchmark process (the load client). */
  clientCpuUs: number;
  /** Machine-wide busy cores during the level (all processes, ours and any others). */
  machineBusyCores: number;
  /** Busy cores not explained by the gateway, upstream and client: other processes on the machine (noise). */
  otherBusyCores: number;
  /** Read and write syscalls of the gateway process during the level (undefined for the direct server). */
  gatewayReadSyscalls: number | undefined;
  gatewayWriteSyscalls: number | undefined;
}

export interface TargetRound {
  target: TargetId;
  round: number;
  /** 1 unless earlier attempts of this target in this round were discarded as measured under outside load. */
  attempt: number;
  /** Other processes used more than the noise threshold during some level (kept: the retries ran out). */
  noisy: boolean;
  gatewayPid: number | undefined;
  upstreamPids: number[];
  coldConnectMs: number;
  /** New sessions against the running gateway (HTTP targets only). */
  sessionConnectMs: number[] | undefined;
  /** Processes added below the gateway by each new session (should be 0). */
  sessionSpawnedProcesses: number[] | undefined;
  toolsListP50Ms: number;
  levels: LevelResult[];
  /** Gateway CPU per call over all load levels, µs. */
  gatewayCpuPerCallUs: number | undefined;
  upstreamCpuPerCallUs: number;
  clientCpuPerCallUs: number;
  gatewayRssIdleMiB: number | undefined;
  gatewayRssAfterLoadMiB: number | undefined;
  upstreamRssIdleMiB: number;
  upstreamRssAfterLoadMiB: number;
}

const MiB = 1024 * 1024;

export async function runTargetRound(
  target: Target,
  ctx: LaunchContext,
  options: ScenarioOptions,
  round: number,
  launchNo: number,
): Promise<TargetRound> {
  const launched = await target.launch(ctx, launchNo);
  const { started, gatewayPid, channel } = launched;
  try {
    // Idle: after startup and one session, before any tool call.
    await sleep(options.settleMs);
    const below = trackTree(started).filter((pid) => pid !== gatewayPid);
    const upstreamPids = gatewayPid === undefined ? [started.pid, ...below] : below;
    const gatewayRssIdle = gatewayPid === undefined ? undefined : rssBytes(gatewayPid);
    const upstreamRssIdle = rssBytesOf(upstreamPids);

    let sessionConnectMs: number[] | undefined;
    let sessionSpawned: number[] | undefined;
    if (launched.sessionUrl) {
      sessionConnectMs = [];
      sessionSpawned = [];
      for (let i = 0; i < options.sessionSamples; i++) {
        const before = trackTree(started).length;
        const { channel: session, initializeMs } = await HttpChannel.open(
          launched.sessionUrl,
          target.label,
          ctx.protocol,
        );
        const after = trackTree(started).length;
        sessionConnectMs.push(initializeMs);
        sessionSpawned.push(after - before);
        await session.close();
        // Let a per-session process (if any) go away before the next sample counts again.
        const deadline = Date.now() + 3000;
        while (Date.now() < deadline && trackTree(started).length > before) await sleep(20);
      }
    }

    const echo = echoParams(target.echoTool);
    // --warmup 0 leaves the JIT cold, as a freshly started process is: only each level's own warm-up runs.
    if (options.warmupCalls > 0) {
      channel.setConcurrency(8);
      await closedLoop(channel, "tools/call", echo, {
        concurrency: 8,
        calls: options.warmupCalls,
        check: isEchoOk,
        timeoutMs: options.levelTimeoutMs,
      });
    }

    channel.setConcurrency(1);
    const list = await closedLoop(channel, "tools/list", "{}", {
      concurrency: 1,
      calls: options.listCalls,
      check: isToolsListOk,
      timeoutMs: options.levelTimeoutMs,
    });
    if (list.errors > 0) throw new Error(`${target.label}: tools/list failed: ${list.firstError}`);

    const levels: LevelResult[] = [];
    for (const concurrency of options.levels) {
      // A fresh pool per level; its sockets open during the level's own warm-up, which is not measured.
      channel.setConcurrency(concurrency);
      const machineBefore = machineCpu();
      const ioBefore = gatewayPid === undefined ? undefined : ioCounts(gatewayPid);
      const gatewayBefore = gatewayPid === undefined ? undefined : cpuMicros(gatewayPid);
      const gatewaySysBefore = gatewayPid === undefined ? undefined : systemCpuMicros(gatewayPid);
      const upstreamBefore = cpuMicrosOf(upstreamPids);
      const clientBefore = process.cpuUsage();
      const outcome = await closedLoop(channel, "tools/call", echo, {
        concurrency,
        calls: options.calls,
        check: isEchoOk,
        timeoutMs: options.levelTimeoutMs,
        warmupMs: options.levelWarmupMs,
        warmupCalls: Math.max(100, concurrency * 4),
        maxWarmupCalls: 50_000,
      });
      const client = process.cpuUsage(clientBefore);
      const machineAfter = machineCpu();
      const ioAfter = gatewayPid === undefined ? undefined : ioCounts(gatewayPid);
      const upstreamCpuUs = cpuMicrosOf(upstreamPids) - upstreamBefore;
      const gatewayAfter = gatewayPid === undefined ? undefined : cpuMicros(gatewayPid);
      const gatewaySysAfter = gatewayPid === undefined ? undefined : systemCpuMicros(gatewayPid);
      const machineBusy = busyCores(machineBefore, machineAfter, availableParallelism());
      const ourCpuUs =
        (gatewayBefore === undefined || gatewayAfter === undefined ? 0 : gatewayAfter - gatewayBefore) +
        upstreamCpuUs +
        client.user +
        client.system;
      levels.push({
        concurrency,
        calls: options.calls,
        cpuCalls: outcome.totalCalls,
        errors: outcome.errors,
        firstError: outcome.firstError,
        wallMs: outcome.wallMs,
        callsPerSec: (outcome.latenciesMs.length / outcome.wallMs) * 1000,
        p50Ms: percentile(outcome.latenciesMs, 50),
        p99Ms: percentile(outcome.latenciesMs, 99),
        gatewayCpuUs:
          gatewayBefore === undefined || gatewayAfter === undefined ? undefined : gatewayAfter - gatewayBefore,
        gatewaySystemCpuUs:
          gatewaySysBefore === undefined || gatewaySysAfter === undefined
            ? undefined
            : gatewaySysAfter - gatewaySysBefore,
        upstreamCpuUs,
        clientCpuUs: client.user + client.system,
        machineBusyCores: machineBusy,
        otherBusyCores: Math.max(0, machineBusy - ourCpuUs / (outcome.totalWallMs * 1000)),
        gatewayReadSyscalls: ioBefore && ioAfter ? ioAfter.syscr - ioBefore.syscr : undefined,
        gatewayWriteSyscalls: ioBefore && ioAfter ? ioAfter.syscw - ioBefore.syscw : undefined,
      });
    }
    const totalCalls = levels.reduce((sum, l) => sum + l.cpuCalls, 0);
    const sum = (pick: (l: LevelResult) => number | undefined) =>
      levels.reduce<number | undefined>((acc, l) => {
        const v = pick(l);
        return acc === undefined || v === undefined ? undefined : acc + v;
      }, 0);
    const gatewayCpu = gatewayPid === undefined ? undefined : sum((l) => l.gatewayCpuUs);

    return {
      target: target.id,
      round,
      attempt: 1,
      noisy: false,
      gatewayPid,
      upstreamPids,
      coldConnectMs: launched.coldConnectMs,
      sessionConnectMs,
      sessionSpawnedProcesses: sessionSpawned,
      toolsListP50Ms: percentile(list.latenciesMs, 50),
      levels,
      gatewayCpuPerCallUs: gatewayCpu === undefined ? undefined : gatewayCpu / totalCalls,
      upstreamCpuPerCallUs: (sum((l) => l.upstreamCpuUs) ?? 0) / totalCalls,
      clientCpuPerCallUs: (sum((l) => l.clientCpuUs) ?? 0) / totalCalls,
      gatewayRssIdleMiB: gatewayRssIdle === undefined ? undefined : gatewayRssIdle / MiB,
      gatewayRssAfterLoadMiB:
        gatewayPid === undefined ? undefined : ((rssBytes(gatewayPid) as number | undefined) ?? Number.NaN) / MiB,
      upstreamRssIdleMiB: upstreamRssIdle / MiB,
      upstreamRssAfterLoadMiB: rssBytesOf(upstreamPids) / MiB,
    };
  } finally {
    await channel.close().catch(() => {});
    await stop(started);
  }
}
