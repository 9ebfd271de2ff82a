// The `oauth` setting of a remote server: the gateway as an OAuth 2.1 client of a server that demands a token
// (docs/authentication.md, "Remote servers that need OAuth"). Remote servers only.
import { z } from "zod";

export const UpstreamOAuthSchema = z
  .object({
    grant: z
      .enum(["authorization_code", "client_credentials"])
      .optional()
      .describe(
        "authorization_code (default): a person authorizes once in a browser, the code returns to /oauth/callback. " +
          "client_credentials: the gateway authenticates as itself, with clientId and clientSecret.",
      ),
    clientId: z
      .string()
      .min(1)
      .optional()
      .describe("A client id registered with the authorization server; default: CIMD or dynamic registration."),
    clientSecret: z.string().min(1).optional().describe("Secret of clientId; `${VAR}` allowed (and advised)."),
    privateKey: z
      .string()
      .min(1)
      .optional()
      .describe(
        "PEM private key of clientId for private_key_jwt client authentication instead of a secret; `${VAR}` allowed.",
      ),
    signingAlgorithm: z
      .string()
      .min(1)
      .optional()
      .describe("JWS algorithm of the private_key_jwt assertion (ES256, RS256, …); default ES256."),
    clientMetadataUrl: z
      .string()
      .optional()
      .describe("HTTPS URL of the gateway's client ID metadata document (CIMD), used as client id where supported."),
    scopes: z
      .array(z.string().min(1))
      .optional()
      .describe("Scopes to ask for; default: those the server's challenge or metadata names."),
    perPrincipal: z
      .boolean()
      .optional()
      .describe("Each principal authorizes and holds their own tokens; default false (one token set per gateway)."),
    redirectUrl: z
      .string()
      .optional()
      .describe("Redirect URI registered for the client; default: the gateway's URL + /oauth/callback."),
  })
  .strict()
  .describe("OAuth 2.1 client settings of a remote server that requires a token.");

export type UpstreamOAuthEntry = z.infer<typeof UpstreamOAuthSchema>;
