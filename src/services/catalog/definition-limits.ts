// Bounds a server's manifest before the catalog takes it: long descriptions are cut with a marker, over-size
// definitions and items past the per-list or per-manifest bounds are refused. What a server sends is untrusted:
// one 60 MB description would otherwise be in every tools/list, search index, token count and stored manifest.
import type { DefinitionLimits } from "../../core/gateway-config.ts";
import type { ServerManifest } from "../../ports/manifest-store.ts";

export type DefinitionList = "tools" | "prompts" | "resources" | "resourceTemplates";

export const DEFINITION_LISTS: readonly DefinitionList[] = ["tools", "prompts", "resources", "resourceTemplates"];

/** A definition the gateway cut or refused, as reported to operators. */
export interface LimitedDefinition {
  /** The list of the item, or `server` for the server's own fields (instructions, serverInfo, capabilities). */
  list: DefinitionList | "server";
  /** The item's name (URI, URI template), at most REPORTED_NAME_CHARS characters. */
  name: string;
  /** cut: listed with a shortened description; refused: not listed at all. */
  action: "cut" | "refused";
  reason: string;
}

const REPORTED_NAME_CHARS = 128;

/** Ends a cut description; says it was cut, by whom and how long it was. */
export function descriptionMarker(originalChars: number): string {
  return ` […cut by the gateway: ${originalChars} characters]`;
}

/** The description cut to `max` characters, marker included; never splits a surrogate pair. */
export function cutDescription(text: string, max: number): string {
  const marker = descriptionMarker(text.length);
  let keep = Math.max(0, max - marker.length);
  const code = text.charCodeAt(keep - 1);
  if (keep > 0 && code >= 0xd800 && code <= 0xdbff) keep--;
  return text.slice(0, keep) + marker;
}

function itemName(list: DefinitionList, item: Record<string, unknown>): string {
  const key = list === "resources" ? "uri" : list === "resourceTemplates" ? "uriTemplate" : "name";
  const name = String(item[key] ?? "");
  return name.length > REPORTED_NAME_CHARS ? `${name.slice(0, REPORTED_NAME_CHARS - 1)}…` : name;
}

/**
 * The manifest within the limits and what was cut or refused. Idempotent: a bounded manifest comes back
 * unchanged with nothing to report, so stored manifests can go through it again. Items keep their order; the
 * byte budget is spent list by list (tools first), item by item.
 */
export function limitManifest(
  manifest: ServerManifest,
  limits: DefinitionLimits,
  lists: readonly DefinitionList[] = DEFINITION_LISTS,
): { manifest: ServerManifest; limited: LimitedDefinition[] } {
  const limited: LimitedDefinition[] = [];
  let budget = limits.maxManifestBytes;
  const bounded: ServerManifest = { ...manifest, ...boundServerFields(manifest, limits.maxDefinitionBytes, limited) };
  for (const list of DEFINITION_LISTS) {
    const items = manifest[list];
    const kept: Record<string, unknown>[] = [];
    for (const [index, original] of items.entries()) {
      if (index >= limits.maxItems) {
        limited.push({
          list,
          name: `(past the first ${limits.maxItems})`,
          action: "refused",
          reason: `the server lists more than maxItems (${limits.maxItems}) ${list}; the first ${limits.maxItems} are kept`,
        });
        break;
      }
      const { item, bytes, cut } = measure(original, limits.maxDescriptionChars);
      const name = itemName(list, item);
      const refusal =
        bytes > limits.maxDefinitionBytes
          ? `its definition is ${bytes} bytes, over maxDefinitionBytes (${limits.maxDefinitionBytes})`
          : bytes > budget
            ? `the server's definitions pass maxManifestBytes (${limits.maxManifestBytes})`
            : undefined;
      if (refusal) {
        limited.push({ list, name, action: "refused", reason: refusal });
        continue;
      }
      if (cut) limited.push({ list, name, action: "cut", reason: cut });
      budget -= bytes;
      kept.push(item);
    }
    bounded[list] = kept;
  }
  // Lists not asked about (an unchanged part of a partial refresh) were bounded before: only their reports go.
  // The server's fields come from its initialize result, read again with every refresh.
  return { manifest: bounded, limited: limited.filter((entry) => isFresh(entry, lists)) };
}

function isFresh(entry: LimitedDefinition, lists: readonly DefinitionList[]): boolean {
  return entry.list === "server" || lists.includes(entry.list);
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null));

/**
 * The server's own fields within `max`: longer instructions are cut (to `max` characters, with the marker); a
 * larger serverInfo keeps its name and version, larger capabilities keep each capability only when it is small.
 */
function boundServerFields(manifest: ServerManifest, max: number, limited: LimitedDefinition[]) {
  let { instructions, serverInfo, capabilities } = manifest;
  const report = (name: string, reason: string) => limited.push({ list: "server", name, action: "cut", reason });
  if (typeof instructions === "string" && instructions.length > max) {
    report("instructions", `instructions of ${instructions.length} characters cut to maxDefinitionBytes (${max})`);
    instructions = cutDescription(instructions, max);
  }
  const infoBytes = jsonBytes(serverInfo);
  if (infoBytes > max) {
    const short = (value: unknown) => String(value ?? "").slice(0, REPORTED_NAME_CHARS);
    report("serverInfo", `serverInfo of ${infoBytes} bytes, over maxDefinitionBytes (${max}): name and version kept`);
    serverInfo = { name: short(serverInfo.name), version: short(serverInfo.version) };
  }
  const capabilityBytes = jsonBytes(capabilities);
  if (capabilityBytes > max) {
    const small = Object.entries(capabilities).map(([key, value]) => [key, jsonBytes(value) <= 1024 ? value : {}]);
    report(
      "capabilities",
      `capabilities of ${capabilityBytes} bytes, over maxDefinitionBytes (${max}): large ones emptied`,
    );
    capabilities = Object.fromEntries(small.slice(0, 64));
  }
  return { instructions, serverInfo, capabilities };
}

function measure(original: Record<string, unknown>, maxDescriptionChars: number) {
  const description = original.description;
  let item = original;
  let cut: string | undefined;
  if (typeof description === "string" && description.length > maxDescriptionChars) {
    item = { ...original, description: cutDescription(description, maxDescriptionChars) };
    cut = `description of ${description.length} characters cut to maxDescriptionChars (${maxDescriptionChars})`;
  }
  return { item, bytes: Buffer.byteLength(JSON.stringify(item)), cut };
}

/**
 * Bounds the manifests the catalog takes and keeps, per server, what was cut or refused. Each server's item and
 * action is announced once per gateway (a server restarting with the same definitions is not reported again).
 */
export class DefinitionLimiter {
  private readonly limits: DefinitionLimits;
  private readonly announce: (event: LimitedDefinition & { server: string }) => void;
  private readonly byServer = new Map<string, LimitedDefinition[]>();
  /** Per server, the items and actions announced; only those still limited are kept, so it cannot grow forever. */
  private readonly announced = new Map<string, ReadonlySet<string>>();

  constructor(limits: DefinitionLimits, announce: (event: LimitedDefinition & { server: string }) => void) {
    this.limits = limits;
    this.announce = announce;
  }

  limited(server: string): readonly LimitedDefinition[] {
    return this.byServer.get(server) ?? [];
  }

  /**
   * A list response a server gave directly (on /mcp/{server} before its manifest is known, or a later page)
   * within the same limits. Not reported here: the catalog reports when it reads the server's lists itself.
   */
  boundResponse(key: DefinitionList, response: string): string {
    // Shorter than one description bound, nothing in it can pass a limit: most responses are not parsed.
    const { maxDescriptionChars, maxItems, maxDefinitionBytes, maxManifestBytes } = this.limits;
    const maxBytes = response.length * 3; // UTF-8 bytes of a JavaScript string are at most three per char
    if (
      response.length <= Math.min(maxDescriptionChars, maxItems) &&
      maxBytes <= Math.min(maxDefinitionBytes, maxManifestBytes)
    )
      return response;
    const message = JSON.parse(response) as { result?: Record<string, unknown> };
    const items = message.result?.[key];
    if (!Array.isArray(items)) return response;
    const empty = { tools: [], prompts: [], resources: [], resourceTemplates: [] };
    const alone = { ...empty, [key]: items } as unknown as ServerManifest;
    const { manifest, limited } = limitManifest(alone, this.limits, [key]);
    if (limited.length === 0) return response;
    return JSON.stringify({ ...message, result: { ...message.result, [key]: manifest[key] } });
  }

  /**
   * The manifest within the limits. `lists`: the lists read afresh from the server, whose reports replace those
   * recorded; without it (a manifest read back from the store, bounded when fetched) reports only add up.
   */
  bound(manifest: ServerManifest, lists?: readonly DefinitionList[]): ServerManifest {
    const { server } = manifest;
    const result = limitManifest(manifest, this.limits, lists ?? DEFINITION_LISTS);
    const previous = this.byServer.get(server) ?? [];
    const merged = lists ? previous.filter((e) => !isFresh(e, lists)) : [...previous];
    const announced = this.announced.get(server);
    for (const entry of result.limited) {
      if (!merged.some((e) => e.list === entry.list && e.name === entry.name && e.action === entry.action))
        merged.push(entry);
      if (!announced?.has(announcedKey(entry))) this.announce({ server, ...entry });
    }
    if (merged.length > 0) {
      this.byServer.set(server, merged);
      this.announced.set(server, new Set(merged.map(announcedKey)));
    } else {
      this.byServer.delete(server);
      this.announced.delete(server);
    }
    return result.manifest;
  }
}

function announcedKey(entry: LimitedDefinition): string {
  return `${entry.list}\u0000${entry.name}\u0000${entry.action}`;
}
