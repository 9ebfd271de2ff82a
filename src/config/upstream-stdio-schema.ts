// Configuration of the pipes between the gateway and its stdio servers: how much the gateway queues for a
// server that does not read its input, and how long one message from a server may be. Part of the gateway
// section (schema.ts).
import { z } from "zod";

export const UpstreamStdioSchema = z
  .object({
    maxPendingInputBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .default(8 * 1024 * 1024)
      .describe(
        "Bytes the gateway may queue for one server's stdin when the server does not read it. Past it, calls to that server fail with upstream_overloaded and it is restarted. Bytes; default 8388608.",
      ),
    maxMessageBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .default(64 * 1024 * 1024)
      .describe(
        "Longest line a server may write on stdout. A longer JSON-RPC message fails the connection (calls in flight fail with upstream_overloaded, the server is restarted); a longer non-JSON line is dropped and counted in the logs. Bytes; default 67108864.",
      ),
  })
  .strict()
  .describe("Bounds on the pipes of stdio servers (input queued for a server, one message from a server).");
