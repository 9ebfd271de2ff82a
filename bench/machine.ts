// Facts about the machine and the software versions under test, recorded with every run.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  kernel: string;
  totalMemGiB: number;
  loadAvgAtStart: number[];
  node: string;
  versions: Record<string, string>;
  /** The Switchboard commit measured, with "-dirty" when src/ has uncommitted changes. */
  gitCommit: string;
}

function gitCommit(repoRoot: string): string {
  try {
    const git = (...args: string[]) => execFileSync("git", ["-C", repoRoot, ...args], { encoding: "utf8" }).trim();
    const dirty = git("status", "--porcelain", "--", "src", "bin").length > 0;
    return `${git("rev-parse", "--short", "HEAD")}${dirty ? "-dirty" : ""}`;
  } catch {
    return "unknown";
  }
}

function version(repoRoot: string, pkg: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(repoRoot, "node_modules", pkg, "package.json"), "utf8"));
    return String(manifest.version);
  } catch {
    return "unknown";
  }
}

export function machineInfo(repoRoot: string): MachineInfo {
  const own = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? "unknown",
    kernel: release(),
    totalMemGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadAvgAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    gitCommit: gitCommit(repoRoot),
    versions: {
      switchboard: own.version,
      "mcp-proxy": version(repoRoot, "mcp-proxy"),
      supergateway: version(repoRoot, "supergateway"),
      "@modelcontextprotocol/server-everything": version(repoRoot, "@modelcontextprotocol/server-everything"),
    },
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (!entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * What bin/switchboard.js of a checkout will run: the compiled dist/ when it is at least as new as src/,
 * else the TypeScript sources (type stripping). Mirrors the launcher's rule, for the record.
 */
export function switchboardEntry(root: string): "dist (compiled JS)" | "src (TypeScript, type stripping)" {
  try {
    if (statSync(join(root, "dist/fronts/cli/main.js")).mtimeMs >= newestMtime(join(root, "src")))
      return "dist (compiled JS)";
  } catch {
    // no build
  }
  return "src (TypeScript, type stripping)";
}
