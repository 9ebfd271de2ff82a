// Configuration of client authentication (gateway.auth): the mode, JWT validation against a JWKS, and the OAuth
// 2.1 resource-server metadata. Part of the gateway section (schema.ts); checks that span fields are in
// auth-settings.ts; see docs/authentication.md.
import { z } from "zod";
import { AUTH_MODES } from "../core/identity.ts";
import { DEFAULT_JWT_ALGORITHMS } from "../core/jws-algorithms.ts";
import { positiveMs } from "./schema-units.ts";

const nonEmpty = z.string().min(1, "must not be empty");

export const JwtSchema = z
  .object({
    jwksUrl: nonEmpty
      .optional()
      .describe(
        "URL of the issuer's JSON Web Key Set (the `jwks_uri` of its discovery document); https, or http on a loopback host only; required in modes jwt and oauth (env MCP_AUTH_JWKS_URL).",
      ),
    issuer: nonEmpty
      .optional()
      .describe("The exact `iss` tokens must carry; required in modes jwt and oauth (env MCP_AUTH_ISSUER)."),
    audiences: z
      .union([nonEmpty, z.array(nonEmpty).min(1)])
      .optional()
      .describe(
        "Accepted `aud` values, one string or a list (a token must name one); in mode oauth the gateway's resource URL (RFC 8707); required in modes jwt and oauth (env MCP_AUTH_AUDIENCE, comma-separated).",
      ),
    algorithms: z
      .array(nonEmpty)
      .min(1)
      .default([...DEFAULT_JWT_ALGORITHMS])
      .describe(
        `Accepted signing algorithms, asymmetric only (none and HS* are refused); default ${DEFAULT_JWT_ALGORITHMS.join(", ")}.`,
      ),
    clockSkewMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(30_000)
      .describe("Tolerated clock difference for exp, nbf and iat. Milliseconds; default 30000; at most 600000."),
    principalClaim: nonEmpty.default("sub").describe("Claim naming the caller; default sub."),
    groupsClaim: nonEmpty
      .default("groups")
      .describe("Claim holding the caller's groups (an array of strings or a space-separated string); default groups."),
    jwksCacheMs: positiveMs("How long fetched keys are used before the JWKS is fetched again.", 600_000),
    jwksMinRefreshMs: positiveMs(
      "Least time between two fetches of the JWKS, failed ones included: tokens with unknown key ids cannot make the gateway hammer the issuer.",
      30_000,
    ),
    jwksTimeoutMs: positiveMs("Longest wait for the JWKS URL to answer in full.", 5000),
  })
  .strict()
  .describe("JWT validation: signature against the issuer's JWKS, then iss, aud, exp, nbf and iat.");

export const OAuthSchema = z
  .object({
    authorizationServers: z
      .array(nonEmpty)
      .default([])
      .describe(
        "Issuer URLs of the authorization servers, listed in the protected-resource metadata (RFC 9728); at least one in mode oauth.",
      ),
    scopesSupported: z
      .array(nonEmpty)
      .default([])
      .describe("Scopes advertised in the metadata (`scopes_supported`); default none."),
    requiredScopes: z
      .array(nonEmpty)
      .default([])
      .describe("Scopes every MCP request's token must carry, else 403 insufficient_scope; default none."),
  })
  .strict()
  .describe("OAuth 2.1 resource server (mode oauth): metadata at /.well-known/oauth-protected-resource.");

export const AuthSchema = z
  .object({
    mode: z
      .enum(AUTH_MODES)
      .default("none")
      .describe(
        "How clients authenticate: none (loopback binds only), apiKey, jwt (bearer JWTs from one issuer), oauth (jwt plus RFC 9728 metadata and 401 challenges for MCP clients); default none (env MCP_AUTH_MODE).",
      ),
    publicUrl: nonEmpty
      .optional()
      .describe(
        "The gateway's public base URL (https://mcp.example.com): the resource tokens are bound to and the base of the metadata URLs; https, or http on a loopback host. Unset: taken from the request's Host, which mode oauth allows on loopback binds only.",
      ),
    acceptApiKeys: z.boolean().default(true).describe("Accept API keys in modes jwt and oauth as well; default true."),
    keyCacheMs: positiveMs(
      "How long a verified API key is remembered (a revocation reaches other replicas within this).",
      30_000,
    ),
    adminGroups: z
      .array(nonEmpty)
      .default(["admin"])
      .describe("Principals in any of these groups may use the admin API; default [admin]."),
    adminScope: nonEmpty
      .default("switchboard:admin")
      .describe("A token with this scope may use the admin API; default switchboard:admin."),
    jwt: JwtSchema.prefault({}),
    oauth: OAuthSchema.prefault({}),
  })
  .strict()
  .describe("Client authentication; see docs/authentication.md.");

export type AuthSection = z.infer<typeof AuthSchema>;
