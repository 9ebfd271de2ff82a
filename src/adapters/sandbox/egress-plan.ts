// `network: allow` for one launch: the gateway's egress proxy for that server, and the launch rewritten so the
// server reaches it. Backends with a network namespace get a Unix socket bound inside, and the native launcher
// forwards 127.0.0.1:EGRESS_PORT inside the sandbox to it; Landlock (no namespace) gets a TCP port on loopback.
import { join } from "node:path";
import type { EventBus } from "../../core/events.ts";
import type { SandboxProfile } from "../../core/sandbox.ts";
import type { LaunchSpec } from "../../ports/sandbox.ts";
import type { EgressPlan } from "./backend.ts";
import { startEgressProxy } from "./egress-proxy.ts";
import { ensureLauncher, launcherArgs } from "./native-launcher.ts";

/** The proxy's port inside a sandbox's own network namespace (nothing else listens there). */
export const EGRESS_PORT = 3128;
const PROXY_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"];

export interface EgressSetup {
  plan: EgressPlan;
  /** The launch to wrap: through the forwarder, with the proxy variables set. */
  launch: LaunchSpec;
  /** Files the sandbox must show (the launcher). */
  visible: string[];
  close(): Promise<void>;
}

export async function setUpEgress(
  server: string,
  profile: SandboxProfile,
  options: { tcp: boolean; stateDir: string; cacheDir: string; events?: EventBus; signal: AbortSignal },
  launch: LaunchSpec,
): Promise<EgressSetup> {
  if (profile.network.mode !== "allow") throw new Error("egress applies to network: allow only");
  const rules = profile.network.allow;
  const onDecision = (decision: Parameters<NonNullable<Parameters<typeof startEgressProxy>[0]["onDecision"]>>[0]) =>
    options.events?.emit("sandbox-egress", decision);
  if (options.tcp) {
    const proxy = await startEgressProxy({ server, rules, listen: { host: "127.0.0.1", port: 0 }, onDecision });
    const { port } = proxy.address as { port: number };
    const env = proxyEnvironment(launch.env, port);
    return { plan: { tcpPort: port }, launch: { ...launch, env }, visible: [], close: () => proxy.close() };
  }
  const socketPath = join(options.stateDir, "egress.sock");
  const proxy = await startEgressProxy({ server, rules, listen: { path: socketPath }, onDecision });
  try {
    const launcher = await ensureLauncher({ cacheDir: options.cacheDir, signal: options.signal });
    const env = proxyEnvironment(launch.env, EGRESS_PORT);
    const args = launcherArgs({
      forwards: [{ port: EGRESS_PORT, socketPath }],
      command: launch.command,
      args: launch.args,
    });
    return {
      plan: { socketPath },
      launch: { command: launcher, args, env, cwd: launch.cwd },
      visible: [launcher],
      close: () => proxy.close(),
    };
  } catch (error) {
    await proxy.close();
    throw error;
  }
}

/** The proxy variables most HTTP clients read (Node's fetch and http only with NODE_USE_ENV_PROXY=1). */
function proxyEnvironment(base: Readonly<Record<string, string>>, port: number): Record<string, string> {
  const env: Record<string, string> = { ...base, NODE_USE_ENV_PROXY: "1", NO_PROXY: "", no_proxy: "" };
  for (const name of PROXY_VARIABLES) env[name] = `http://127.0.0.1:${port}`;
  return env;
}
