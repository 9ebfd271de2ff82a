// The REST admin API (seed 001): server list, start and stop; health in admin-health.ts, audit and registry in
// admin-state.ts, token accounting in admin-tokens.ts, API keys in admin-keys.ts, review of held definitions in
// admin-review.ts.
import type { IncomingMessage, ServerResponse } from "node:http";
import { SwitchboardError } from "../../core/errors.ts";
import { ANONYMOUS, type Principal } from "../../core/identity.ts";
import type { Catalog } from "../../services/catalog/catalog.ts";
import type { ApiKeys } from "../../services/identity/api-keys.ts";
import type { Credentials } from "../../services/identity/credentials.ts";
import type { ToolReview } from "../../services/integrity/tool-review.ts";
import type { Policies } from "../../services/policies/policies.ts";
import type { Supervisor } from "../../services/supervisor/supervisor.ts";
import type { TokenAccounting } from "../../services/tokens/token-accounting.ts";
import { type AuthorizeRouteDeps, handleAuthorizeRoute } from "./admin-authorize.ts";
import { handleCredentialsRoute } from "./admin-credentials.ts";
import { handleHealthRoute } from "./admin-health.ts";
import { handleKeysRoute } from "./admin-keys.ts";
import { policyView } from "./admin-policies.ts";
import { handleReviewRoute } from "./admin-review.ts";
import { handleStateRoute, type StateRouteDeps } from "./admin-state.ts";
import { handleTokensRoute } from "./admin-tokens.ts";
import { decodePathSegment } from "./guards.ts";
import type { FrontInfo, HealthSources } from "./health-document.ts";
import { sendAdminError, sendJson } from "./respond.ts";

/** What the admin API reads and drives: the servers, their catalog and policies, health, audit, tokens, keys. */
export type AdminDeps = HealthSources &
  StateRouteDeps &
  AuthorizeRouteDeps & {
    readonly supervisor: Pick<Supervisor, "all" | "get" | "instances">;
    readonly credentials: Pick<Credentials, "set" | "list" | "delete">;
    readonly catalog: Pick<Catalog, "manifest" | "problems" | "limited" | "settled" | "heldItems">;
    readonly policies: Pick<Policies, "view">;
    readonly tokens: Pick<TokenAccounting, "report">;
    /** API key management (/keys); the routes answer method_not_found without it. */
    readonly apiKeys?: ApiKeys;
    /** Review of held definitions (/tools/pending, /tools/diff, /tools/approve, /tools/reject). */
    readonly review?: ToolReview;
  };

export function createAdminApi(gateway: AdminDeps, front?: FrontInfo) {
  const serverView = (name: string) => {
    const supervised = gateway.supervisor.get(name);
    const manifest = gateway.catalog.manifest(name);
    return {
      ...supervised.status(),
      tools: manifest?.tools.length ?? null,
      prompts: manifest?.prompts.length ?? null,
      resources: manifest?.resources.length ?? null,
      description: supervised.spec.description ?? null,
      // A per-principal server's instances: principal, state, pid (never a credential).
      ...(supervised.spec.credentials ? { instances: gateway.supervisor.instances(name) ?? [] } : {}),
      tags: supervised.spec.tags,
      ...policyView(gateway.policies, name),
      problems: gateway.catalog
        .problems()
        .filter((p) => p.server === name)
        .map((p) => p.message),
      limitedDefinitions: gateway.catalog.limited(name),
      // Held for review by the integrity gate (switchboard tools pending): not listed, not callable.
      heldDefinitions: gateway.catalog.heldItems(name),
    };
  };

  return {
    /**
     * Returns false when the path is not an admin route. `principal`: the authenticated caller; `admin`: whether it
     * has admin rights (the front lets non-admins reach only their own /credentials).
     */
    async handle(
      req: IncomingMessage,
      res: ServerResponse,
      path: string,
      principal: Principal = ANONYMOUS,
      admin = true,
    ): Promise<boolean> {
      const method = req.method ?? "GET";
      try {
        if (await handleHealthRoute(gateway, front, req, res, path)) return true;
        if (await handleStateRoute(gateway, req, res, path)) return true;
        if (await handleTokensRoute(gateway.tokens, req, res, path)) return true;
        if (await handleKeysRoute(gateway.apiKeys, req, res, path)) return true;
        if (await handleReviewRoute(gateway.review, req, res, path, principal)) return true;
        if (await handleCredentialsRoute(gateway.credentials, req, res, path, principal, admin)) return true;
        if (await handleAuthorizeRoute(gateway, req, res, path, principal, admin)) return true;
        if (path === "/servers" && method === "GET") {
          sendJson(res, 200, JSON.stringify(gateway.supervisor.all().map((s) => serverView(s.spec.name))));
          return true;
        }
        const match = /^\/servers\/([^/]+)(?:\/(start|stop))?$/.exec(path);
        if (!match) return false;
        const name = decodePathSegment(match[1] as string);
        const action = match[2];
        const supervised = gateway.supervisor.get(name);
        if (!action && method === "GET") {
          sendJson(res, 200, JSON.stringify(serverView(name)));
        } else if (action === "start" && method === "POST") {
          await supervised.start();
          // The reply counts the tools of the server it started: the catalog read its lists first.
          await gateway.catalog.settled(name);
          sendJson(res, 200, JSON.stringify({ success: true, message: "Server started", server: serverView(name) }));
        } else if (action === "stop" && method === "POST") {
          await supervised.stop("requested");
          sendJson(res, 200, JSON.stringify({ success: true, message: "Server stopped", server: serverView(name) }));
        } else {
          res.setHeader("allow", action ? "POST" : "GET");
          throw new SwitchboardError("method_not_allowed", `${method} is not allowed on ${path}`);
        }
      } catch (error) {
        sendAdminError(res, error);
      }
      return true;
    },
  };
}
