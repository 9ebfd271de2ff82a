// Builds a podman image for Node servers from this host's own files (no registry, no base image): the running
// Node binary, the libraries it links, a minimal /etc, and optionally npm packages with their dependencies.
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { runTool } from "./run-tool.ts";

export interface BuildNodeImageOptions {
  tag: string;
  /** npm packages baked into /app/node_modules: the package folder and its dependency closure. */
  packages?: { name: string; dir: string }[];
  /** The podman binary (default: `podman` from PATH). */
  podman?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Extra image labels (`LABEL key=value`). */
  labels?: Readonly<Record<string, string>>;
}

/** Bound on one step of an image build (a podman import of a large rootfs takes seconds, not minutes). */
const BUILD_STEP_TIMEOUT_MS = 10 * 60_000;

export const DEFAULT_NODE_IMAGE = "localhost/switchboard-node:latest";

/** Host programs copied into the image: where they are looked for, and where they go. */
const BASIC_TOOLS: readonly [string, string][] = [
  ["/bin/sh", "bin/sh"],
  ["/bin/sleep", "bin/sleep"],
];

const PASSWD = "root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const GROUP = "root:x:0:\nnogroup:x:65534:\n";
const HOSTS = "127.0.0.1 localhost\n::1 localhost\n";

export async function buildNodeImage(options: BuildNodeImageOptions): Promise<{ tag: string; seconds: number }> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const staging = mkdtempSync(join(tmpdir(), "switchboard-image-"));
  try {
    const rootfs = join(staging, "rootfs");
    await assembleRootfs(rootfs, options.signal, log);
    for (const pkg of options.packages ?? []) bakePackage(rootfs, pkg, log);
    const tarball = join(staging, "rootfs.tar");
    await run("tar", ["-C", rootfs, "--numeric-owner", "-cf", tarball, "."], options.signal);
    log(`importing ${options.tag}`);
    await run(
      options.podman ?? "podman",
      importArgs(options.tag, tarball, options.packages ?? [], options.labels ?? {}),
      options.signal,
    );
    return { tag: options.tag, seconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function importArgs(
  tag: string,
  tarball: string,
  packages: readonly { name: string }[],
  labels: Readonly<Record<string, string>>,
): string[] {
  const changes = [
    "USER 65534",
    "ENTRYPOINT []",
    'CMD ["node"]',
    "WORKDIR /tmp",
    "ENV PATH=/usr/local/bin:/usr/bin:/bin",
    "ENV NODE_PATH=/app/node_modules",
    `LABEL org.opencontainers.image.title=switchboard-node`,
    `LABEL io.switchboard.node-version=${process.version}`,
    `LABEL io.switchboard.packages=${packages.map((p) => p.name).join(",") || "none"}`,
    ...Object.entries(labels).map(([key, value]) => `LABEL ${key}=${value}`),
  ];
  return ["import", ...changes.flatMap((change) => ["--change", change]), tarball, tag];
}

/** Node at /usr/local/bin/node with the libraries and loader `ldd` names, and the /etc a Node server reads. */
async function assembleRootfs(rootfs: string, signal: AbortSignal | undefined, log: (line: string) => void) {
  const node = process.execPath;
  log(`copying ${node} (Node ${process.version})`);
  copyFile(node, join(rootfs, "usr/local/bin/node"));
  chmodSync(join(rootfs, "usr/local/bin/node"), 0o755);
  for (const library of parseLdd(await run("ldd", [node], signal))) copyFile(library, join(rootfs, library));
  // A shell and `sleep`: servers shell out, and a server's own scripts expect /bin/sh.
  for (const [tool, at] of BASIC_TOOLS) {
    const found = [tool, `/usr${tool}`].find((path) => existsSync(path));
    if (!found) continue;
    copyFile(realpathSync(found), join(rootfs, at));
    chmodSync(join(rootfs, at), 0o755);
    for (const library of parseLdd(await run("ldd", [found], signal).catch(() => ""))) {
      if (!existsSync(join(rootfs, library))) copyFile(library, join(rootfs, library));
    }
  }
  writeEtc(rootfs);
  for (const dir of ["tmp", "app/node_modules", "proc", "dev", "sys", "run"])
    mkdirSync(join(rootfs, dir), { recursive: true });
  chmodSync(join(rootfs, "tmp"), 0o1777);
}

/** The absolute paths in `ldd` output: `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` and the loader line. */
export function parseLdd(output: string): string[] {
  const paths = new Set<string>();
  for (const line of output.split("\n")) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (match?.[1]) paths.add(match[1]);
  }
  return [...paths];
}

function writeEtc(rootfs: string): void {
  const etc = join(rootfs, "etc");
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(etc, "passwd"), PASSWD);
  writeFileSync(join(etc, "group"), GROUP);
  writeFileSync(join(etc, "hosts"), HOSTS);
  // Outbound TLS (fetch, https) needs the host's CA bundle; the symlinks point into /usr/share, so copy contents.
  for (const file of ["/etc/nsswitch.conf", "/etc/ca-certificates.conf", "/etc/ssl/certs"]) {
    if (existsSync(file)) cpSync(file, join(rootfs, file), { recursive: true, dereference: true });
  }
}

/** The package at /app/node_modules/<name>, then every dependency it resolves from outside its own folder. */
function bakePackage(rootfs: string, pkg: { name: string; dir: string }, log: (line: string) => void): void {
  const target = join(rootfs, "app/node_modules");
  const copied = new Map<string, string>();
  const queue: { name: string; dir: string }[] = [{ name: pkg.name, dir: resolve(pkg.dir) }];
  while (queue.length > 0) {
    const next = queue.shift() as { name: string; dir: string };
    const earlier = copied.get(next.name);
    if (earlier !== undefined) {
      if (earlier !== next.dir) log(`warning: ${next.name} needed from ${next.dir}, kept ${earlier}`);
      continue;
    }
    copied.set(next.name, next.dir);
    cpSync(next.dir, join(target, next.name), { recursive: true, dereference: true });
    for (const dep of dependencyNames(next.dir)) {
      const found = resolveDependency(dep, next.dir);
      if (found === undefined) log(`warning: ${dep} (needed by ${next.name}) is not installed; skipped`);
      else if (!found.startsWith(`${next.dir}/`)) queue.push({ name: dep, dir: found });
      // A dependency inside the package's own node_modules came along with the package folder.
    }
  }
  log(`baked ${pkg.name} with ${copied.size - 1} dependencies`);
}

function dependencyNames(dir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  return [
    ...new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})]),
  ];
}

/** Node's lookup: `node_modules/<name>` in the package folder, then in each folder above it. */
function resolveDependency(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function copyFile(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to); // follows symlinks: the image gets the library itself under the name ldd gave
  chmodSync(to, statSync(from).mode & 0o7777);
}

/** A step of the build (ldd, tar, podman import): bounded, so a stuck tool cannot hold the command forever. */
function run(command: string, args: readonly string[], signal: AbortSignal | undefined): Promise<string> {
  return runTool(command, args, BUILD_STEP_TIMEOUT_MS, signal);
}
