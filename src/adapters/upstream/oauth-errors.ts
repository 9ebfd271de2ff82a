// What a connection to a server with `oauth` says when authorization stands in the way. A request refused for
// want of a token never ran, so these are `upstream_unavailable` (never "may have run"), with what to do next.
import {
  OAuthClientFlowError,
  OAuthError,
  OAuthErrorCode,
  SdkErrorCode,
  SdkHttpError,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import { SwitchboardError } from "../../core/errors.ts";
import type { ServerSpec } from "../../core/server-spec.ts";

/** The SDK marks errors that escaped its OAuth handling of a 401/403 (discovery, registration, token request). */
const AUTH_SEAM = Symbol.for("mcp.authSeamEscape");

export function isAuthFailure(error: unknown): boolean {
  if (error instanceof UnauthorizedError || error instanceof OAuthError || error instanceof OAuthClientFlowError)
    return true;
  if (error instanceof SdkHttpError && error.code === SdkErrorCode.ClientHttpAuthentication) return true;
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[AUTH_SEAM] === true;
}

export function authFailure(spec: ServerSpec, error: unknown): SwitchboardError {
  const name = spec.name;
  const message = error instanceof Error ? error.message : String(error);
  const detail = message && message !== "Unauthorized" ? ` (${message})` : "";
  const needsPerson =
    error instanceof UnauthorizedError ||
    (error instanceof SdkHttpError && error.code === SdkErrorCode.ClientHttpAuthentication);
  if (spec.oauth?.grant === "client_credentials") {
    const refused =
      error instanceof OAuthError &&
      (error.code === OAuthErrorCode.InvalidClient || error.code === OAuthErrorCode.UnauthorizedClient);
    if (refused || needsPerson) {
      return unavailable(
        `server ${name} refused the gateway's client credentials${detail}; check servers.${name}.oauth.clientId and clientSecret`,
        error,
      );
    }
  }
  if (!needsPerson) return unavailable(`server ${name}: OAuth with its authorization server failed: ${message}`, error);
  if (spec.oauth?.perPrincipal && spec.principal) {
    return unavailable(
      `server ${name} needs OAuth authorization by ${spec.principal}${detail}: POST /servers/${name}/authorize on the ` +
        `admin API with {"principal": "${spec.principal}"} and open the URL it returns; the next start then succeeds`,
      error,
    );
  }
  return unavailable(
    `server ${name} needs OAuth authorization${detail}: run \`switchboard servers authorize ${name}\` (or POST ` +
      `/servers/${name}/authorize on the admin API) and open the URL it prints; the next start then succeeds`,
    error,
  );
}

function unavailable(message: string, cause: unknown): SwitchboardError {
  return new SwitchboardError("upstream_unavailable", message, { cause });
}
