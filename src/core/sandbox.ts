// The isolation profile of one server (what the configuration asks for) and its confinement (what a backend
// actually enforces for a running process). Both are plain data: the Sandbox port turns a profile into a launch.

/** Backends a profile may name. `auto` picks the strongest one available that needs no image (docs/sandbox.md). */
export const SANDBOX_BACKENDS = ["auto", "bubblewrap", "firejail", "landlock", "gvisor", "podman", "none"] as const;
export type SandboxBackendChoice = (typeof SANDBOX_BACKENDS)[number];
export type SandboxBackend = Exclude<SandboxBackendChoice, "auto">;

/** The order `auto` tries, strongest first among the backends that run an unmodified command without an image. */
export const AUTO_BACKEND_ORDER: readonly SandboxBackend[] = ["bubblewrap", "firejail", "landlock"];

/** One entry of a network allow-list: `host:port`, `host` (any port), `.example.com` (the domain and below). */
export interface EgressRule {
  /** Lower-case host name or IP literal, without the leading dot of a domain rule. */
  host: string;
  /** Undefined: any port. */
  port: number | undefined;
  /** True for `.example.com`: the domain itself and every subdomain. */
  domain: boolean;
}

export type NetworkPolicy = { mode: "none" } | { mode: "host" } | { mode: "allow"; allow: readonly EgressRule[] };

export interface SandboxLimits {
  /** Memory of the server and its children, in bytes (cgroup memory controller). */
  memoryBytes: number | undefined;
  /** CPU share, in CPUs (1.5 = one and a half cores; cgroup CPU quota). */
  cpus: number | undefined;
  /** Processes and threads of the server (cgroup pids controller, else RLIMIT_NPROC). */
  processes: number | undefined;
  /** Open file descriptors per process (RLIMIT_NOFILE). */
  openFiles: number | undefined;
}

export interface SandboxProfile {
  backend: SandboxBackendChoice;
  /** Absolute paths. Everything else is invisible, except the server's own command or package (read-only). */
  filesystem: { read: readonly string[]; write: readonly string[] };
  network: NetworkPolicy;
  /** Names of the gateway's environment variables passed through (besides a minimal base: PATH, LANG, …). */
  env: readonly string[];
  limits: SandboxLimits;
  /** `nobody`: uid/gid 65534 inside the sandbox, no capabilities; `root` keeps the gateway's user. */
  user: "nobody" | "root";
  /** What to do when the backend cannot be had: refuse to start (`fail`) or run unconfined, loudly (`warn`). */
  onUnavailable: "fail" | "warn";
  /** Image of a `podman` server (local; never pulled). */
  image: string | undefined;
  /** OCI runtime of a `podman` server: runc (default) or runsc (gVisor's kernel under podman's container). */
  runtime?: "runc" | "runsc" | undefined;
}

/** What is in effect for one running server: reported by /servers, /health, `servers list` and `doctor`. */
export interface Confinement {
  /** The backend actually enforcing the profile (`none`: unconfined). */
  backend: SandboxBackend;
  /** The backend the profile asked for. */
  requested: SandboxBackendChoice;
  network: NetworkPolicy["mode"];
  /** The allow-list in effect, as written (`network: allow`). */
  allow?: readonly string[];
  /** `allow-list`: only the listed paths are visible; `host`: the server sees what the gateway's user sees. */
  filesystem: "allow-list" | "host";
  /** The limits in effect and what enforces each (`cgroup`, `rlimit`, `container`). */
  limits: Partial<Record<keyof SandboxLimits, { value: number; by: string }>>;
  /** The user the server runs as inside the sandbox. */
  user: string;
  /** The container runtime, for podman (`runc`, `runsc`). */
  runtime?: string;
  /** Why the confinement is weaker than asked (a fallback under `onUnavailable: warn`, a limit not enforceable). */
  warnings: readonly string[];
}

/**
 * A complete profile from a few fields, the rest at their strictest: no paths, no network, no environment, no
 * limits, user nobody, fail when unavailable. For probes and tests; configurations go through normalisation.
 */
export function sandboxProfile(fields: Partial<SandboxProfile> & Pick<SandboxProfile, "backend">): SandboxProfile {
  return {
    filesystem: { read: [], write: [] },
    network: { mode: "none" },
    env: [],
    limits: { memoryBytes: undefined, cpus: undefined, processes: undefined, openFiles: undefined },
    user: "nobody",
    onUnavailable: "fail",
    image: undefined,
    ...fields,
  };
}

/** The confinement of a server that runs without a sandbox: what the gateway's user can do, it can. */
export function unconfined(requested: SandboxBackendChoice, warnings: readonly string[] = []): Confinement {
  return {
    backend: "none",
    requested,
    network: "host",
    filesystem: "host",
    limits: {},
    user: "the gateway's user",
    warnings,
  };
}

/** `host:port`, `host` or `.domain` as written in the configuration; throws with the reason when malformed. */
export function parseEgressRule(text: string): EgressRule {
  const trimmed = text.trim().toLowerCase();
  const domain = trimmed.startsWith(".");
  const body = domain ? trimmed.slice(1) : trimmed;
  let host = body;
  let port: number | undefined;
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/.exec(body);
  if (bracketed) {
    host = bracketed[1] as string;
    port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
  } else {
    const colon = body.lastIndexOf(":");
    if (colon >= 0 && body.indexOf(":") === colon) {
      host = body.slice(0, colon);
      port = Number(body.slice(colon + 1));
      if (!/^\d+$/.test(body.slice(colon + 1))) throw new Error(`"${text}": the port must be a number`);
    }
  }
  if (port !== undefined && (port < 1 || port > 65_535)) throw new Error(`"${text}": port out of range`);
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(host) && !/^[0-9a-f:.]+$/.test(host)) {
    throw new Error(`"${text}" is not a host, host:port or .domain`);
  }
  return { host, port, domain };
}

/** Whether a destination matches a rule: exact host (or the domain and its subdomains), and the port if given. */
export function egressAllowed(rules: readonly EgressRule[], host: string, port: number): EgressRule | undefined {
  const name = host.toLowerCase().replace(/\.$/, "");
  return rules.find(
    (rule) =>
      (rule.port === undefined || rule.port === port) &&
      (rule.domain ? name === rule.host || name.endsWith(`.${rule.host}`) : name === rule.host),
  );
}

/** A rule written back as in the configuration. */
export function formatEgressRule(rule: EgressRule): string {
  const host = rule.host.includes(":") ? `[${rule.host}]` : rule.host;
  return `${rule.domain ? "." : ""}${host}${rule.port === undefined ? "" : `:${rule.port}`}`;
}
