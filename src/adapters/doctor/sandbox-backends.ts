// Doctor's view of the sandbox backends: whether each one's programs are on PATH (and, for landlock, whether the
// kernel enables it), and which backend each enabled stdio server's profile would get. These are deliberately
// shallow and fast (no program is run); the sandbox adapter's own probes go deeper when a server starts.
import { readFileSync } from "node:fs";
import {
  AUTO_BACKEND_ORDER,
  type SandboxBackend,
  type SandboxBackendChoice,
  type SandboxProfile,
} from "../../core/sandbox.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import { check, type DoctorCheck } from "./checks.ts";
import { findExecutable } from "./executables.ts";

/** The backends doctor checks, in the order it reports them (`none` needs nothing). */
export const CHECKED_BACKENDS = ["bubblewrap", "firejail", "landlock", "gvisor", "podman"] as const;
export type CheckedBackend = (typeof CHECKED_BACKENDS)[number];

/** Where the kernel lists its active security modules; landlock is usable when it is one of them. */
export const DEFAULT_LSM_PATH = "/sys/kernel/security/lsm";

/**
 * The host doctor looks at: PATH comes from `env`, landlock support from the file at `lsmPath`. `tryBackends`,
 * when given, runs each backend for real (the sandbox adapter's probes): its verdict replaces the shallow one.
 */
export interface SandboxHost {
  env: NodeJS.ProcessEnv;
  lsmPath: string;
  tryBackends?: () => Promise<Record<string, string | undefined>>;
}

export interface BackendProbe {
  backend: CheckedBackend;
  /** What was found, by program: its path. */
  found: Record<string, string>;
  /** What is missing, one phrase each (`bwrap on PATH`); empty when the backend is usable. */
  missing: string[];
  /** The Debian command that installs the missing programs; undefined when nothing installable is missing. */
  install: string | undefined;
  /** Whether the verdict comes from running the backend, not only from looking for its programs. */
  tried?: boolean;
}

/** Each need is a set of alternatives (any one will do) and the Debian package that provides it. */
const NEEDS: Record<CheckedBackend, readonly { programs: readonly string[]; debian: string }[]> = {
  bubblewrap: [{ programs: ["bwrap"], debian: "bubblewrap" }],
  firejail: [{ programs: ["firejail"], debian: "firejail" }],
  // The landlock launcher is a small C program compiled on first use.
  landlock: [{ programs: ["cc", "gcc"], debian: "gcc" }],
  gvisor: [{ programs: ["runsc"], debian: "runsc" }],
  podman: [
    { programs: ["podman"], debian: "podman" },
    { programs: ["runc", "crun"], debian: "runc" },
  ],
};

export function defaultSandboxHost(): SandboxHost {
  return { env: process.env, lsmPath: DEFAULT_LSM_PATH };
}

/** Every checked backend's availability on this host. */
export function probeSandboxBackends(host: SandboxHost): Record<CheckedBackend, BackendProbe> {
  const entries = CHECKED_BACKENDS.map((backend) => [backend, probeBackend(backend, host)] as const);
  return Object.fromEntries(entries) as Record<CheckedBackend, BackendProbe>;
}

/**
 * The shallow probes corrected by trying each backend (when the host can): a backend whose programs are there
 * but that does not work says why; one the shallow look doubted (landlock without /sys/kernel/security) but
 * that works is usable.
 */
export async function trySandboxBackends(host: SandboxHost): Promise<Record<CheckedBackend, BackendProbe>> {
  const probes = probeSandboxBackends(host);
  if (!host.tryBackends) return probes;
  const verdicts = await host.tryBackends();
  for (const backend of CHECKED_BACKENDS) {
    if (!(backend in verdicts)) continue;
    const why = verdicts[backend];
    const probe = probes[backend];
    probe.missing = why === undefined ? [] : [why];
    if (why === undefined) probe.install = undefined;
    probe.tried = true;
  }
  return probes;
}

function probeBackend(backend: CheckedBackend, host: SandboxHost): BackendProbe {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  const packages: string[] = [];
  if (backend === "landlock") {
    const kernel = landlockKernelProblem(host.lsmPath);
    if (kernel) missing.push(kernel);
  }
  for (const need of NEEDS[backend]) {
    const hit = need.programs
      .map((program) => ({ program, found: findExecutable(program, process.cwd(), host.env.PATH) }))
      .find((candidate) => "path" in candidate.found);
    if (hit && "path" in hit.found) {
      found[hit.program] = hit.found.path;
    } else {
      missing.push(`${need.programs.join(" or ")} on PATH`);
      packages.push(need.debian);
    }
  }
  const install = packages.length > 0 ? `apt-get install ${packages.join(" ")}` : undefined;
  return { backend, found, missing, install };
}

/** Why the kernel cannot give landlock, or undefined when it lists landlock among its security modules. */
function landlockKernelProblem(lsmPath: string): string | undefined {
  let modules: string;
  try {
    modules = readFileSync(lsmPath, "utf8").trim();
  } catch (error) {
    return `kernel support (cannot read ${lsmPath}: ${(error as NodeJS.ErrnoException).code ?? error})`;
  }
  if (modules.split(",").includes("landlock")) return undefined;
  return `kernel support (landlock is not among the active security modules: ${modules || "none"})`;
}

/** What a probe lacks, with the install command: `missing bwrap on PATH (apt-get install bubblewrap)`. */
export function unavailableText(probe: BackendProbe): string {
  const what = probe.tried ? probe.missing.join(", ") : `missing ${probe.missing.join(", ")}`;
  const hint = probe.install && !what.includes(probe.install) ? ` (${probe.install})` : "";
  return `${what}${hint}`;
}

/** One row per backend: ok with what was found, warn with what is missing and how to install it. */
export function checkSandboxBackends(probes: Record<CheckedBackend, BackendProbe>): DoctorCheck[] {
  return CHECKED_BACKENDS.map((backend) => {
    const probe = probes[backend];
    const data = { backend, found: probe.found, missing: probe.missing, install: probe.install };
    if (probe.missing.length > 0) return check(`sandbox ${backend}`, "warn", unavailableText(probe), data);
    const kernel = backend === "landlock" ? "kernel support; compiler " : "";
    const tried = probe.tried ? " (a sandboxed test command ran)" : "";
    return check(`sandbox ${backend}`, "ok", `${kernel}${Object.values(probe.found).join(", ")}${tried}`, data);
  });
}

/** The backend a profile would get on this host: the named one, or the first available in `auto`'s order. */
export function chooseBackend(
  requested: SandboxBackendChoice,
  probes: Record<CheckedBackend, BackendProbe>,
): { backend: SandboxBackend } | { unavailable: string } {
  if (requested === "none") return { backend: "none" };
  if (requested !== "auto") {
    const probe = probes[requested];
    return probe.missing.length === 0 ? { backend: requested } : { unavailable: unavailableText(probe) };
  }
  const usable = AUTO_BACKEND_ORDER.find((backend) => probes[backend as CheckedBackend].missing.length === 0);
  if (usable) return { backend: usable };
  const why = AUTO_BACKEND_ORDER.map((b) => `${b}: ${unavailableText(probes[b as CheckedBackend])}`);
  return { unavailable: `none of ${AUTO_BACKEND_ORDER.join(", ")} is available (${why.join("; ")})` };
}

/**
 * One row per enabled stdio server with a profile: the backend it would get, failing when that backend is
 * missing and the profile says `onUnavailable: fail` (warn for `warn`: it would run unconfined). Servers without
 * one share a single warn row.
 */
export function checkServerSandboxes(
  servers: readonly ServerSpec[],
  probes: Record<CheckedBackend, BackendProbe>,
): DoctorCheck[] {
  const stdio = servers.filter((spec) => spec.enabled && spec.transport.kind === "stdio");
  // No profile (or `backend: none`): unconfined.
  const profiled = stdio.flatMap((spec) => {
    const profile: SandboxProfile | undefined = spec.sandbox;
    return profile && profile.backend !== "none" ? [{ name: spec.name, profile }] : [];
  });
  const unconfined = stdio.map((spec) => spec.name).filter((name) => !profiled.some((p) => p.name === name));
  const rows = profiled.map(({ name, profile }) => serverSandboxRow(name, profile, probes));
  if (unconfined.length > 0) {
    rows.push(
      check(
        "unconfined servers",
        "warn",
        `${unconfined.join(", ")}: no sandbox profile (unconfined: the gateway user's files and network)`,
        { servers: unconfined },
      ),
    );
  }
  return rows;
}

function serverSandboxRow(
  server: string,
  profile: SandboxProfile,
  probes: Record<CheckedBackend, BackendProbe>,
): DoctorCheck {
  const name = `server ${server} sandbox`;
  const chosen = chooseBackend(profile.backend, probes);
  const data = { requested: profile.backend, network: profile.network.mode, onUnavailable: profile.onUnavailable };
  if ("backend" in chosen) {
    const via = profile.backend === "auto" ? " (auto)" : "";
    return check(name, "ok", `${chosen.backend}${via}, network ${profile.network.mode}`, {
      ...data,
      backend: chosen.backend,
    });
  }
  const fails = profile.onUnavailable === "fail";
  const outcome = fails ? "the server will not start" : "the server would run unconfined";
  const detail = `${profile.backend}: ${chosen.unavailable}; ${outcome} (onUnavailable: ${profile.onUnavailable})`;
  return check(name, fails ? "fail" : "warn", detail, { ...data, backend: null });
}
