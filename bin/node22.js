#!/usr/bin/env node
// Runs Node.js with the given arguments on Node >= 22.18 (needed for TypeScript type stripping).
// Users who already have such a Node pay nothing; older Nodes get node@22 from the npm registry once,
// and its path is remembered under node_modules/.cache so later runs start it directly.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const NODE22_SPEC = "node@22.23.3";

export function currentNodeIsEnough(version = process.versions.node) {
  const [major, minor] = version.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 18);
}

export function resolveNode() {
  if (currentNodeIsEnough()) return process.execPath;
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const cacheFile = join(root, "node_modules", ".cache", "switchboard", "node22-path");
  if (existsSync(cacheFile)) {
    const cached = readFileSync(cacheFile, "utf8").trim();
    if (cached && existsSync(cached)) return cached;
  }
  process.stderr.write(`switchboard: Node ${process.versions.node} is too old; using ${NODE22_SPEC} from npm\n`);
  const path = execFileSync("npx", ["-y", "-p", NODE22_SPEC, "node", "-p", "process.execPath"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(cacheFile, path);
  } catch {
    // A read-only install still works; it just resolves again next time.
  }
  return path;
}

/**
 * Node 22 backs AsyncLocalStorage (the gateway's request scope: request ids in log lines, trace context) with
 * async hooks, which put a hook on every promise; the flag switches it to async context frames, the default from
 * Node 24. Measured on the HTTP front: gateway CPU per call 156 → 124 µs, calls/s at 64 in flight 1.42×.
 */
const NODE22_FLAGS = ["--experimental-async-context-frame"];

/**
 * On a Node 22 already in PATH, `switchboard` runs in this very process, which was started without the flag:
 * re-execute it in place with the flag (process.execve keeps the PID, stdio and environment). Does nothing on
 * other versions, when the flag is already given (or refused with --no-experimental-async-context-frame in
 * NODE_OPTIONS), or where execve is unavailable (Windows).
 */
export function execWithNode22Flags() {
  if (Number(process.versions.node.split(".")[0]) !== 22 || typeof process.execve !== "function") return;
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  const missing = NODE22_FLAGS.filter((flag) => !given.includes(flag) && !given.includes(flag.replace(/^--/, "--no-")));
  if (missing.length === 0) return;
  try {
    process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)]);
  } catch {
    // Keep running as started: correct, only slower per call.
  }
}

const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Runs `node args…` on a suitable Node, forwarding signals and the exit status. */
export function runNode(args) {
  const node = resolveNode();
  const version = node === process.execPath ? process.versions.node : NODE22_SPEC.split("@")[1];
  const major = Number(version.split(".")[0]);
  const flags = major === 22 ? NODE22_FLAGS : [];
  const child = spawn(node, [...flags, ...args], { stdio: "inherit" });
  forwardSignals(child);
}

/**
 * Passes signals sent to this process (by `kill`, or by npm, which forwards them) on to the child, and ends
 * with the child's status. A Ctrl-C in a terminal reaches the child twice (the terminal signals the whole
 * process group, and this forwards it): the gateway counts signals close together as one request.
 */
export function forwardSignals(child, target = process) {
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) target.on(signal, forward);
  child.on("exit", (code, signal) => {
    for (const name of FORWARDED_SIGNALS) target.off(name, forward);
    if (!signal) return target.exit(code ?? 1);
    // Die of the same signal (its handler is gone now), so the caller sees what the child saw; if the signal
    // is ignored here, the shell's convention for it.
    target.kill(target.pid, signal);
    setTimeout(() => target.exit(128 + (constants.signals[signal] ?? 0)), 100);
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runNode(process.argv.slice(2));
}
