// `switchboard servers authorize NAME`: asks a running gateway (--url or SWITCHBOARD_URL) to start the OAuth
// authorization of a remote server and prints the URL to open. A running gateway is needed: the authorization
// server's redirect must reach its /oauth/callback.
import { type CliArgs, UsageError } from "./args.ts";
import { err, out } from "./output.ts";

const EXIT_OK = 0;
const EXIT_FAILURE = 1;

export async function authorizeServer(args: CliArgs, name: string): Promise<number> {
  const base = args.url ?? process.env.SWITCHBOARD_URL;
  if (!base) {
    throw new UsageError(
      "servers authorize needs a running gateway (its /oauth/callback receives the code): pass --url or set SWITCHBOARD_URL",
    );
  }
  let response: Response;
  try {
    response = await fetch(new URL(`/servers/${encodeURIComponent(name)}/authorize`, base), { method: "POST" });
  } catch (error) {
    err(`cannot reach the gateway at ${base}: ${(error as Error).cause ?? error}`);
    return EXIT_FAILURE;
  }
  const body = (await response.json()) as {
    authorized?: boolean;
    authorizationUrl?: string;
    expiresAt?: string;
    message?: string;
  };
  if (!response.ok) {
    err(body.message ?? `HTTP ${response.status}`);
    return EXIT_FAILURE;
  }
  if (args.json) out(JSON.stringify(body));
  else if (body.authorized) out(`${name}: already authorized`);
  else out(`Open this URL to authorize ${name} (valid until ${body.expiresAt}):\n${body.authorizationUrl}`);
  return EXIT_OK;
}
