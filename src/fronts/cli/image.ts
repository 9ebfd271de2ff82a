// `switchboard image build`: builds the local podman image that `sandbox.backend: "podman"` servers run in,
// from this host's own Node and libraries (no registry), optionally baking configured servers' npm packages.
import { buildNodeImage, DEFAULT_NODE_IMAGE, findServerPackage, type ServerPackage } from "../../app/index.ts";
import type { GatewayConfig } from "../../core/gateway-config.ts";
import { type CliArgs, UsageError } from "./args.ts";
import { EXIT_OK } from "./commands.ts";
import { loadCliConfig } from "./config-source.ts";
import { err, out } from "./output.ts";

export async function image(args: CliArgs): Promise<number> {
  const sub = args.positionals[1];
  if (sub !== "build") throw new UsageError(sub ? `unknown image command "${sub}"` : "image needs a command: build");
  const tag = args.tag ?? DEFAULT_NODE_IMAGE;
  const packages = args.servers.length > 0 ? serverPackages(loadCliConfig(args), args.servers) : [];
  // Ctrl-C stops tar or podman import instead of leaving them running behind the exiting CLI.
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  try {
    const built = await buildNodeImage({ tag, packages, signal: abort.signal, log: (line) => err(line) });
    const seconds = Math.round(built.seconds * 10) / 10;
    if (args.json) out(JSON.stringify({ tag: built.tag, seconds, packages: packages.map((p) => p.name) }));
    else
      out(
        `built ${built.tag} in ${seconds} s${packages.length ? ` with ${packages.map((p) => p.name).join(", ")}` : ""}`,
      );
    return EXIT_OK;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/** The npm package of each named server; only servers configured with `package` have one. */
function serverPackages(config: GatewayConfig, names: readonly string[]): ServerPackage[] {
  return names.map((name) => {
    const spec = config.servers.find((s) => s.name === name);
    if (!spec) throw new UsageError(`no server "${name}" in ${config.source ?? "the configuration"}`);
    const transport = spec.transport;
    const entry = transport.kind === "stdio" && transport.command === process.execPath ? transport.args[0] : undefined;
    const found = entry === undefined ? undefined : findServerPackage(entry);
    if (!found)
      throw new UsageError(`server "${name}" is not an npm package (only servers with "package" can be baked)`);
    return found;
  });
}
