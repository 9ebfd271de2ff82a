// The `sandbox` setting of a server (and of gateway.serverDefaults): its isolation profile. Every field is
// optional; a server's fields override serverDefaults' field by field (filesystem lists and env are replaced,
// not merged), then SANDBOX_DEFAULTS apply. docs/sandbox.md explains each backend and what it enforces.
import { z } from "zod";
import { SANDBOX_BACKENDS } from "../core/sandbox.ts";

/** What a profile gets for a field neither the server nor serverDefaults sets. */
export const SANDBOX_DEFAULTS = {
  backend: "auto",
  network: "none",
  user: "nobody",
  onUnavailable: "fail",
} as const;

/** `512M`, `1.5G`, `1048576` (bytes); K/M/G/T are powers of 1024. */
const MEMORY = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$/i;

export function parseMemory(text: string | number): number {
  if (typeof text === "number") return Math.floor(text);
  const match = MEMORY.exec(text);
  if (!match) throw new Error(`"${text}" is not a size (e.g. 512M, 1G, or bytes)`);
  const unit = (match[2] ?? "b").toLowerCase()[0] as string;
  const power = { b: 0, k: 1, m: 2, g: 3, t: 4 }[unit] ?? 0;
  return Math.floor(Number(match[1]) * 1024 ** power);
}

const memory = z.union([z.number().int().min(1), z.string()]).refine(
  (value) => {
    try {
      return parseMemory(value) >= 4 * 1024 * 1024;
    } catch {
      return false;
    }
  },
  { message: "a memory size of at least 4M, e.g. 512M or 1G" },
);

export const SandboxLimitsSchema = z
  .object({
    memory: memory.optional().describe("Memory of the server and its children: 512M, 1G, or bytes."),
    cpus: z.number().positive().max(1024).optional().describe("CPU quota in cores, e.g. 0.5 or 2."),
    processes: z.number().int().min(1).optional().describe("Processes and threads of the server."),
    openFiles: z.number().int().min(16).optional().describe("Open file descriptors per process."),
  })
  .strict()
  .describe("Resource limits; the start's wall time is the server's startTimeoutMs.");

export const SandboxSchema = z
  .object({
    backend: z
      .enum(SANDBOX_BACKENDS)
      .optional()
      .describe(
        "Isolation backend: auto (default: the strongest available of bubblewrap, firejail, landlock), bubblewrap, firejail, landlock, gvisor (runsc), podman (a local image), none (unconfined).",
      ),
    filesystem: z
      .object({
        read: z
          .array(z.string().min(1))
          .optional()
          .describe("Paths visible read-only (relative to the config file; `${VAR}` allowed)."),
        write: z
          .array(z.string().min(1))
          .optional()
          .describe("Paths visible read-write (relative to the config file; `${VAR}` allowed); created if missing."),
      })
      .strict()
      .optional()
      .describe(
        "What the server may see besides its own command or package (read-only), system libraries and a private /tmp. Everything else is invisible.",
      ),
    network: z
      .union([
        z.enum(["none", "host"]),
        z
          .object({
            allow: z
              .array(z.string().min(1))
              .min(1)
              .describe(
                "Allowed destinations: `host:port`, `host` (any port), `.example.com` (domain and subdomains).",
              ),
          })
          .strict(),
      ])
      .optional()
      .describe(
        "none (default): no network at all. host: the gateway's network. { \"allow\": [...] }: only through the gateway's egress proxy, to the listed destinations.",
      ),
    env: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name"))
      .optional()
      .describe(
        "Gateway environment variables passed through, besides PATH, LANG, LC_*, TZ and TERM. Secrets go in the server's `env` as `${VAR}`.",
      ),
    limits: SandboxLimitsSchema.optional(),
    user: z
      .enum(["nobody", "root"])
      .optional()
      .describe("nobody (default): uid/gid 65534 inside the sandbox, no capabilities. root: keep the gateway's user."),
    onUnavailable: z
      .enum(["fail", "warn"])
      .optional()
      .describe(
        "fail (default): a server whose backend cannot be had does not start. warn: it runs unconfined, logged as a warning.",
      ),
    image: z.string().min(1).optional().describe("Local image of a podman server (never pulled)."),
    runtime: z
      .enum(["runc", "runsc"])
      .optional()
      .describe("OCI runtime of a podman server: runc (default) or runsc (gVisor's user-space kernel)."),
  })
  .strict()
  .describe("Isolation profile of a stdio server (docs/sandbox.md).");

export type SandboxEntry = z.infer<typeof SandboxSchema>;
