// What `switchboard doctor` reports, and the checks that need nothing but the host: the Node version and the
// state directory. Every check returns rows instead of throwing, so one broken dependency never hides the rest.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type DoctorStatus = "ok" | "warn" | "fail" | "skip";

export interface DoctorCheck {
  name: string;
  status: DoctorStatus;
  /** One line, fit for a terminal; URLs in it have their password redacted. */
  detail: string;
  /** Machine-readable facts behind the detail (versions, modes), for --json and health reports. */
  data?: Record<string, unknown>;
}

/** The upper bound of every network step (connect, one query): doctor must answer, not hang. */
export const NETWORK_TIMEOUT_MS = 3_000;
/** The upper bound of one service's whole check (connect and every query). */
export const SERVICE_BUDGET_MS = 2 * NETWORK_TIMEOUT_MS;

export const MIN_NODE = { major: 22, minor: 18 } as const;

const SEVERITY: Record<DoctorStatus, number> = { skip: 0, ok: 1, warn: 2, fail: 3 };

/** The most severe status of some rows (ok when there are none). */
export function worstStatus(statuses: readonly DoctorStatus[]): DoctorStatus {
  return statuses.reduce<DoctorStatus>((worst, s) => (SEVERITY[s] > SEVERITY[worst] ? s : worst), "ok");
}

export function check(name: string, status: DoctorStatus, detail: string, data?: Record<string, unknown>): DoctorCheck {
  return data === undefined ? { name, status, detail } : { name, status, detail, data };
}

/** The message of an error as one line; an AggregateError (every address of a host refused) lists its causes. */
export function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0 && !error.message) {
    return [...new Set(error.errors.map(errorText))].join("; ");
  }
  const text =
    error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
  return text.replace(/\s+/g, " ").trim();
}

/** Removes a URL's password from text that may echo it (a driver's error message, say). */
export function withoutPassword(text: string, url: string): string {
  let password = "";
  try {
    password = new URL(url).password;
  } catch {
    return text;
  }
  if (!password) return text;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // keep the raw form only
  }
  return text.split(password).join("***").split(decoded).join("***");
}

/** Rejects with `${what} timed out after N ms` unless work settles first; the timer never outlives the race. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function checkNode(
  version: string = process.versions.node,
  flags: readonly string[] = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)],
): DoctorCheck {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const enough = major > MIN_NODE.major || (major === MIN_NODE.major && minor >= MIN_NODE.minor);
  const needed = `${MIN_NODE.major}.${MIN_NODE.minor}`;
  if (!enough) return check("node", "fail", `Node ${version} is too old: switchboard needs >= ${needed}`, { version });
  const asyncContext = asyncContextOf(major, flags);
  return asyncContext === "frames"
    ? check("node", "ok", `Node ${version} (needs >= ${needed})`, { version, asyncContext })
    : check(
        "node",
        "warn",
        `Node ${version}: request context on async hooks, ~20 % more CPU per call; start it with ` +
          "--experimental-async-context-frame (the switchboard command does) or use Node >= 24",
        { version, asyncContext },
      );
}

/**
 * How AsyncLocalStorage (the request scope behind request ids in logs) is implemented: async context frames
 * (Node 24's default, Node 22 with --experimental-async-context-frame) or promise hooks on every promise.
 */
function asyncContextOf(major: number, flags: readonly string[]): "frames" | "hooks" {
  if (major >= 24) return flags.includes("--no-async-context-frame") ? "hooks" : "frames";
  return flags.includes("--experimental-async-context-frame") ? "frames" : "hooks";
}

/**
 * The state directory exists (or can be created) and takes a file. A directory that has to be created for the
 * probe is removed again with everything created on the way, so doctor leaves the disk as it found it.
 */
export async function checkStateDir(dir: string): Promise<DoctorCheck> {
  const name = "state directory";
  let created: string | undefined;
  try {
    const existing = statOrUndefined(dir);
    if (existing && !existing.isDirectory()) return check(name, "fail", `${dir} exists but is not a directory`);
    if (!existing) created = mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.doctor-probe-${process.pid}-${randomBytes(4).toString("hex")}`);
    writeFileSync(probe, "probe\n", { flag: "wx" });
    rmSync(probe);
    return existing
      ? check(name, "ok", `${dir} is writable`, { path: dir, exists: true })
      : check(name, "ok", `${dir} does not exist yet; it can be created and is writable`, { path: dir, exists: false });
  } catch (error) {
    return check(name, "fail", `${dir} is not usable: ${errorText(error)}`, { path: dir });
  } finally {
    if (created) rmSync(created, { recursive: true, force: true });
  }
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
