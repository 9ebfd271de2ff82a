// The aggregated views of the catalog, built from the served manifests in configuration order: tools and prompts
// namespaced (`server__name`) with their routes, resources and templates with the server of each, as ready-to-send
// JSON; the resource index reads go through; and the problems found on the way (naming fix-ups, tools hidden by a
// gateway meta-tool's name, resources offered twice).
import { assignNames, type NamingProblem } from "../../core/naming.ts";
import { compileUriTemplate } from "../../core/uri-template.ts";
import type { ServerManifest } from "../../ports/manifest-store.ts";

export interface Route {
  server: string;
  /** The name (or URI) the server itself uses. */
  name: string;
}

export interface AggregateList {
  items: readonly Record<string, unknown>[];
  /** Exposed name → where it goes. */
  routes: ReadonlyMap<string, Route>;
  /** `{"<field>": [...]}` ready to splice into a response. */
  json: string;
  /** The server of each item, by index (access rules need it for resources, which have no routes). */
  servers?: readonly string[];
}

export interface CatalogProblem extends Partial<Omit<NamingProblem, "kind">> {
  server: string;
  message: string;
  /** A naming fix-up, or `shadowed`: hidden on the server's own endpoint by a gateway meta-tool's name. */
  kind?: NamingProblem["kind"] | "shadowed";
}

/** Which server serves a resource URI: exact URIs first, then templates in order. */
export interface ResourceIndex {
  uris: Map<string, string>;
  templates: { server: string; template: RegExp; source: string }[];
}

export function buildViews(
  manifests: readonly ServerManifest[],
  separator: string,
  reservedNames: ReadonlySet<string> | undefined,
): { views: Map<string, AggregateList>; problems: CatalogProblem[]; resourceIndex: ResourceIndex } {
  const views = new Map<string, AggregateList>();
  const problems: CatalogProblem[] = [];
  for (const key of ["tools", "prompts"] as const) {
    const named = manifests.flatMap((m) => m[key].map((item) => ({ server: m.server, name: String(item.name), item })));
    const { assignments, problems: naming } = assignNames(named, separator);
    problems.push(...naming);
    if (key === "tools") problems.push(...shadowProblems(assignments, reservedNames));
    const items = assignments.map(({ exposed, item }) => ({ ...item.item, name: exposed }));
    const routes = new Map(assignments.map(({ exposed, item }) => [exposed, { server: item.server, name: item.name }]));
    const servers = assignments.map(({ item }) => item.server);
    views.set(key, { items, routes, json: JSON.stringify({ [key]: items }), servers });
  }
  for (const key of ["resources", "resourceTemplates"] as const) {
    const items = manifests.flatMap((m) => m[key]);
    const servers = manifests.flatMap((m) => m[key].map(() => m.server));
    views.set(key, { items, routes: new Map(), json: JSON.stringify({ [key]: items }), servers });
  }
  const resourceIndex = buildResourceIndex(manifests, problems);
  return { views, problems, resourceIndex };
}

/** Tools hidden on their server's own endpoint because a gateway meta-tool has their name. */
function shadowProblems(
  assignments: readonly { exposed: string; item: { server: string; name: string } }[],
  reserved: ReadonlySet<string> | undefined,
): CatalogProblem[] {
  if (!reserved) return [];
  return assignments
    .filter(({ item }) => reserved.has(item.name))
    .map(({ exposed, item }) => ({
      server: item.server,
      name: item.name,
      kind: "shadowed" as const,
      exposedAs: exposed,
      message: `tool "${item.name}" has the name of a gateway tool: hidden on /mcp/${item.server}, where the gateway's ${item.name} answers; call it on /mcp as "${exposed}"`,
    }));
}

/** The resource index; a URI offered by two servers is a problem (reads go to the first). */
export function buildResourceIndex(manifests: readonly ServerManifest[], problems: CatalogProblem[]): ResourceIndex {
  const uris = new Map<string, string>();
  const templates: ResourceIndex["templates"] = [];
  for (const manifest of manifests) {
    for (const resource of manifest.resources) {
      const uri = String(resource.uri);
      const owner = uris.get(uri);
      if (owner && owner !== manifest.server) {
        problems.push({
          server: manifest.server,
          message: `resource ${uri} is also offered by ${owner}; reads go to ${owner}`,
        });
      } else uris.set(uri, manifest.server);
    }
    for (const item of manifest.resourceTemplates) {
      const source = String(item.uriTemplate);
      templates.push({ server: manifest.server, template: compileUriTemplate(source), source });
    }
  }
  return { uris, templates };
}
