// `network: allow` for one launch: the gateway's egress proxy for that server, listening on a Unix socket, and
// the launch rewritten so the server reaches it: the native launcher forwards 127.0.0.1:EGRESS_PORT inside the
// sandbox's network namespace to the socket. A backend that runs the launcher itself (Landlock) gets the launch
// unchanged and adds the forwarder to its own launcher plan.
import { join } from "node:path";
import type { EventBus } from "../../core/events.ts";
import type { SandboxProfile } from "../../core/sandbox.ts";
import type { LaunchSpec } from "../../ports/sandbox.ts";
import type { EgressPlan } from "./backend.ts";
import { type EgressDecision, startEgressProxy } from "./egress-proxy.ts";
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

export interface EgressOptions {
  /**
   * The backend runs the native launcher itself and adds the forwarder to it (Landlock): the launch is left
   * as it is, the plan carries `forwardPort`.
   */
  launcherMergedByBackend?: boolean;
  stateDir: string;
  cacheDir: string;
  events?: EventBus;
  signal: AbortSignal;
}

export async function setUpEgress(
  server: string,
  profile: SandboxProfile,
  options: EgressOptions,
  launch: LaunchSpec,
): Promise<EgressSetup> {
  if (profile.network.mode !== "allow") throw new Error("egress applies to network: allow only");
  const rules = profile.network.allow;
  const onDecision = (decision: EgressDecision) => options.events?.emit("sandbox-egress", decision);
  const socketPath = join(options.stateDir, "egress.sock");
  const proxy = await startEgressProxy({ server, rules, listen: { path: socketPath }, onDecision });
  const env = proxyEnvironment(launch.env, EGRESS_PORT);
  if (options.launcherMergedByBackend) {
    const plan = { socketPath, forwardPort: EGRESS_PORT };
    return { plan, launch: { ...launch, env }, visible: [], close: () => proxy.close() };
  }
  try {
    const launcher = await ensureLauncher({ cacheDir: options.cacheDir, signal: options.signal });
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
