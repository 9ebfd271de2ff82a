// The PostgreSQL user name when a URL names none, chosen as libpq (psql) chooses it, not as node-postgres does.
import { userInfo } from "node:os";

/**
 * node-postgres falls back to $USER, so `postgresql://host/db` fails with "no PostgreSQL user name specified in
 * startup packet" wherever USER is unset (containers, systemd units, cron) although psql connects with the same
 * URL. libpq's order is: the URL's user, then PGUSER, then the operating-system user name. The name is added as
 * a `user` query parameter, which node-postgres reads for URLs with and without a host (Unix sockets).
 */
export function withDefaultUser(
  url: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  osUser: () => string | undefined = currentOsUser,
): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url; // node-postgres reports what is wrong with it
  }
  if (parsed.username !== "" || parsed.searchParams.has("user") || env.PGUSER) return url;
  const name = osUser();
  if (!name) return url;
  const separator = !url.includes("?") ? "?" : /[?&]$/.test(url) ? "" : "&";
  return `${url}${separator}user=${encodeURIComponent(name)}`;
}

function currentOsUser(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined; // no passwd entry for this uid: leave it to PGUSER/USER as before
  }
}
