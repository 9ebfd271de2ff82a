// bubblewrap: a fresh mount namespace holding only the visible paths (system folders read-only, the server's own
// files, its read and write lists, a private /tmp), new user, PID, IPC, UTS and cgroup namespaces, a network
// namespace with nothing but loopback (unless `network: host`), no capabilities, its own session (no TIOCSTI),
// and --die-with-parent: killing the gateway, even with SIGKILL, kills the whole sandbox.
import { lstatSync, readlinkSync } from "node:fs";
import type { BackendAdapter, Wrapped, WrapRequest } from "./backend.ts";
import { tmpSize } from "./limits.ts";
import { visibleCwd } from "./paths.ts";
import { probeCommand } from "./probe.ts";

const TMP_INSIDE = "/tmp";

export function createBubblewrapBackend(options: { bwrap?: string } = {}): BackendAdapter {
  const bwrap = options.bwrap ?? "bwrap";
  return {
    name: "bubblewrap",
    probe: () =>
      probeCommand(
        bwrap,
        ["--die-with-parent", "--unshare-all", "--ro-bind", "/", "/", "--", "/bin/true"],
        "bubblewrap (bwrap) is not installed: apt-get install bubblewrap",
      ),
    async wrap(request: WrapRequest): Promise<Wrapped> {
      const { profile, launch, paths } = request;
      const args = ["--die-with-parent", "--new-session", "--unshare-all", "--cap-drop", "ALL"];
      if (profile.network.mode === "host") args.push("--share-net");
      if (profile.user === "nobody") args.push("--unshare-user", "--uid", "65534", "--gid", "65534");
      // /tmp is a tmpfs of bounded size (its pages also count against the memory limit): a server cannot fill
      // the host's disk through it.
      const tmpBytes = String(tmpSize(profile.limits.memoryBytes));
      args.push("--proc", "/proc", "--dev", "/dev", "--size", tmpBytes, "--perms", "1777", "--tmpfs", TMP_INSIDE);
      for (const path of paths.system) args.push(...systemMount(path));
      for (const path of sortByDepth([...paths.own, ...paths.read])) args.push("--ro-bind", path, path);
      for (const path of sortByDepth(paths.write)) args.push("--bind", path, path);
      const socket = request.egress?.socketPath;
      if (socket) args.push("--ro-bind", socket, socket);
      // The root holding the mount points is read-only too: nothing but /tmp and the write list takes writes.
      args.push("--remount-ro", "/");
      args.push("--chdir", visibleCwd(launch.cwd, paths, TMP_INSIDE), "--", launch.command, ...launch.args);
      return {
        command: bwrap,
        args,
        env: { ...launch.env, HOME: TMP_INSIDE, TMPDIR: TMP_INSIDE },
        cwd: "/",
        confinement: {
          filesystem: "allow-list",
          network: profile.network.mode,
          user: profile.user === "nobody" ? "nobody (uid 65534, no capabilities)" : "root (no capabilities)",
        },
      };
    },
  };
}

/** A merged-/usr link such as /lib -> usr/lib is recreated as a link; a real folder is bound read-only. */
function systemMount(path: string): string[] {
  return lstatSync(path).isSymbolicLink() ? ["--symlink", readlinkSync(path), path] : ["--ro-bind", path, path];
}

/** Parents before children, so a nested bind is not hidden by its parent's. */
export function sortByDepth(paths: readonly string[]): string[] {
  return [...new Set(paths)].sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
}
