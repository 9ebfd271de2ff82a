// firejail: the same profile through firejail's own mechanisms. Every top-level folder of / that holds nothing
// visible is blacklisted, folders holding visible paths keep only those (whitelist), /etc is reduced to what
// programs need (--private-etc), /dev to the basic devices; no capabilities, seccomp, no new privileges, and a
// network namespace with only loopback unless `network: host`; it dies with the gateway. firejail cannot change users: the server keeps
// the gateway's user (without capabilities), which the reported confinement says.
import { readdirSync } from "node:fs";
import type { BackendAdapter, Wrapped, WrapRequest } from "./backend.ts";
import { visibleCwd, within } from "./paths.ts";
import { probeCommand } from "./probe.ts";

/** Top-level folders firejail handles itself or that the system part of the profile makes visible. */
const KEEP = new Set(["usr", "lib", "lib64", "lib32", "libx32", "bin", "sbin", "etc", "proc", "sys", "dev"]);

export function createFirejailBackend(options: { firejail?: string; setpriv?: string } = {}): BackendAdapter {
  const firejail = options.firejail ?? "firejail";
  return {
    name: "firejail",
    probe: () =>
      probeCommand(
        firejail,
        ["--quiet", "--noprofile", "--net=none", "--", "/bin/true"],
        "firejail is not installed: apt-get install firejail",
      ),
    async wrap(request: WrapRequest): Promise<Wrapped> {
      const { profile, launch, paths } = request;
      const visible = [...paths.own, ...paths.read, ...paths.write];
      if (request.egress?.socketPath) visible.push(request.egress.socketPath);
      const args = ["--quiet", "--noprofile", "--caps.drop=all", "--nonewprivs", "--seccomp", "--private-dev"];
      args.push(profile.network.mode === "host" ? "--net=host" : "--net=none");
      // Exactly the /etc entries of the profile's system part (ssl/certs, not the whole of ssl with its keys).
      const etc = paths.system.filter((path) => path.startsWith("/etc/")).map((path) => path.slice(5));
      args.push(`--private-etc=${etc.join(",")}`);
      // Nothing is writable but the write list and the private tmp: / itself is not, even for a root gateway.
      args.push("--read-only=/", "--read-only=/etc");
      // /tmp is firejail's own tmpfs (in memory, counted against a memory limit, not on the host's disk);
      // visible paths under the host's /tmp are whitelisted into it.
      args.push("--private-tmp", "--read-write=/tmp");
      for (const top of topLevel()) {
        const inside = visible.filter((path) => within(path, top) && path !== top);
        if (visible.includes(top)) continue;
        if (inside.length === 0 && top !== "/tmp") args.push(`--blacklist=${top}`);
        else for (const path of inside) args.push(`--whitelist=${path}`);
      }
      for (const path of [...paths.own, ...paths.read]) args.push(`--read-only=${path}`);
      for (const path of paths.write) args.push(`--read-write=${path}`);
      const cwd = visibleCwd(launch.cwd, paths, "/tmp");
      args.push("--", launch.command, ...launch.args);
      // firejail does not die with its parent: the parent-death signal (set by setpriv, kept across the exec)
      // makes a SIGKILLed gateway take firejail, and with it the sandbox's PID namespace, along.
      return {
        command: options.setpriv ?? "setpriv",
        args: ["--pdeathsig", "KILL", firejail, ...args],
        env: { ...launch.env, HOME: "/tmp", TMPDIR: "/tmp" },
        cwd,
        confinement: {
          filesystem: "allow-list",
          network: profile.network.mode,
          user: "the gateway's user (no capabilities, seccomp)",
          warnings:
            profile.user === "nobody" ? ["firejail cannot change users: the server keeps the gateway's user"] : [],
        },
      };
    },
  };
}

/** What to hide: every top-level entry but the system ones, and /run's contents (firejail keeps its own state there). */
function topLevel(): string[] {
  const entries = readdirSync("/")
    .filter((entry) => !KEEP.has(entry) && entry !== "run")
    .map((entry) => `/${entry}`);
  let run: string[] = [];
  try {
    run = readdirSync("/run")
      .filter((entry) => entry !== "firejail")
      .map((entry) => `/run/${entry}`);
  } catch {
    // no /run
  }
  return [...entries, ...run];
}
