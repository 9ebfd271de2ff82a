// `switchboard status`: a live dashboard of a running gateway, read from its GET /health every --interval
// seconds and redrawn in place on a terminal (plain frames otherwise) until Ctrl-C or SIGTERM; `--once` prints
// the health document as JSON and exits.
import { SwitchboardError } from "../../core/errors.ts";
import type { HealthDocument } from "../http/health-document.ts";
import { type CliArgs, UsageError } from "./args.ts";
import { loadCliConfig } from "./config-source.ts";
import { err, out } from "./output.ts";
import { authHint, remoteHeaders } from "./remote-auth.ts";
import { renderFrame, type Sample } from "./status-frame.ts";

export const DEFAULT_STATUS_INTERVAL_S = 2;
const FETCH_TIMEOUT_MS = 5_000;
const MIN_INTERVAL_S = 0.1;
const MAX_INTERVAL_S = 3_600;

export async function status(args: CliArgs): Promise<number> {
  const intervalS = parseInterval(args.interval);
  const url = gatewayUrl(args);
  let first: HealthDocument;
  try {
    first = await fetchHealth(url);
  } catch (error) {
    err(`switchboard: ${(error as Error).message}`);
    return 1;
  }
  if (args.once) {
    out(JSON.stringify(first, null, 2));
    return 0;
  }
  return live(url, intervalS, { health: first, atMs: Date.now() });
}

/** --url, $SWITCHBOARD_URL, else the configuration's gateway.host and gateway.port. */
function gatewayUrl(args: CliArgs): string {
  const given = args.url ?? process.env.SWITCHBOARD_URL;
  if (given) return given.replace(/\/+$/, "");
  let host: string;
  let port: number;
  try {
    ({ host, port } = loadCliConfig(args).gateway);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new UsageError(
      "status needs a running gateway: pass --url URL, set SWITCHBOARD_URL, or give the gateway's --config",
    );
  }
  if (port === 0) throw new UsageError("the configuration's gateway.port is 0 (any free port): pass --url");
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`;
}

function parseInterval(text: string | undefined): number {
  if (text === undefined) return DEFAULT_STATUS_INTERVAL_S;
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds < MIN_INTERVAL_S || seconds > MAX_INTERVAL_S)
    throw new UsageError(`--interval must be seconds between ${MIN_INTERVAL_S} and ${MAX_INTERVAL_S}, got "${text}"`);
  return seconds;
}

async function fetchHealth(base: string): Promise<HealthDocument> {
  let response: Response;
  try {
    response = await fetch(`${base}/health`, {
      headers: remoteHeaders(),
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    const reason =
      (error as Error).name === "TimeoutError" ? "no answer within 5 s" : String((error as Error).cause ?? error);
    throw new SwitchboardError("upstream_unavailable", `cannot reach the gateway at ${base}: ${reason}`);
  }
  // 503 still carries the document (the gateway is starting or draining).
  const body = (await response.json().catch(() => undefined)) as HealthDocument | undefined;
  if ((response.status !== 200 && response.status !== 503) || !body || typeof body.upstreams !== "object")
    throw new SwitchboardError(
      "internal",
      `${base}/health did not answer with a Switchboard health document${authHint(response.status)}`,
    );
  return body;
}

/** Redraws until SIGINT/SIGTERM; a gateway that goes away mid-way is shown as unreachable and retried. */
async function live(url: string, intervalS: number, first: Sample): Promise<number> {
  const stdout = process.stdout;
  const tty = stdout.isTTY === true;
  const color = tty && process.env.NO_COLOR === undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  if (tty) stdout.write("\x1b[?25l\x1b[2J");
  let previous: Sample | undefined;
  let current: Sample | undefined = first;
  let frames = 0;
  try {
    while (!stopped) {
      const lines = current
        ? renderFrame(current, previous, { url, color })
        : [`Switchboard at ${url}: unreachable, retrying every ${intervalS} s  ${new Date().toISOString()}`];
      draw(lines, tty, frames++ === 0);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalS * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopped) break;
      try {
        const health = await fetchHealth(url);
        if (current) previous = current;
        current = { health, atMs: Date.now() };
      } catch (error) {
        previous = undefined;
        current = undefined;
        if (!tty) err(`switchboard: ${(error as Error).message}`);
      }
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    if (tty) stdout.write("\x1b[?25h\n");
  }
  return 0;
}

/** On a terminal: home, each line cleared to its end, the rest of the screen cleared. Else: frames one after another. */
function draw(lines: readonly string[], tty: boolean, first: boolean): void {
  if (tty) process.stdout.write(`\x1b[H${lines.map((line) => `${line}\x1b[K`).join("\n")}\n\x1b[J`);
  else process.stdout.write(`${first ? "" : "\n"}${lines.join("\n")}\n`);
}
