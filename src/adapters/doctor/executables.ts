// Checks about programs on this host: whether each enabled stdio server's command resolves the way spawn will
// resolve it (the server's own PATH, its cwd). HTTP servers get a URL check only. Sandbox backends: sandbox-backends.ts.
import { redactUrl } from "../../core/redact-url.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import { findExecutable } from "../process/find-executable.ts";
import { childEnvironment } from "../upstream/child-env.ts";
import { check, type DoctorCheck } from "./checks.ts";

export { findExecutable, type Resolution } from "../process/find-executable.ts";

/** One row per server: fail when an enabled stdio server's command cannot be found or run. Nothing is started. */
export async function checkServers(
  servers: readonly ServerSpec[],
  inheritEnv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<DoctorCheck[]> {
  if (servers.length === 0) return [check("servers", "skip", "no servers configured")];
  return servers.map((spec) => {
    const name = `server ${spec.name}`;
    if (!spec.enabled) return check(name, "skip", "disabled");
    const transport = spec.transport;
    if (transport.kind === "http") return httpRow(name, transport.url);
    const childEnv = childEnvironment(env, inheritEnv, transport.env);
    const found = findExecutable(transport.command, transport.cwd, childEnv.PATH);
    if ("path" in found) {
      const via = found.path === transport.command ? "" : ` → ${found.path}`;
      return check(name, "ok", `stdio: ${transport.command}${via}`, { transport: "stdio", path: found.path });
    }
    return check(name, "fail", `stdio command cannot be run: ${found.problem}`, {
      transport: "stdio",
      command: transport.command,
    });
  });
}

/** The URL is parsed, not contacted; its password and query (which may hold a token) are not printed. */
function httpRow(name: string, url: string): DoctorCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return check(name, "fail", "http: not a valid URL", { transport: "http" });
  }
  const redacted = new URL(redactUrl(url) as string);
  redacted.search = "";
  const shown = `${redacted.href}${parsed.search ? "?…" : ""}`;
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return check(name, "fail", `http: ${shown} is not an http(s) URL`, { transport: "http" });
  }
  return check(name, "ok", `http: ${shown} (not contacted)`, { transport: "http", url: shown });
}
