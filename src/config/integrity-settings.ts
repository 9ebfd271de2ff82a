// Normalisation of a server's integrity settings: the server's fields over serverDefaults' over the built-in
// defaults, field by field (screening rules are merged rule by rule).
import { DEFAULT_INTEGRITY, type IntegritySettings } from "../core/integrity.ts";
import type { ScreeningEntry } from "./integrity-schema.ts";

interface IntegrityEntry {
  pinning?: IntegritySettings["pinning"] | undefined;
  onChange?: IntegritySettings["onChange"] | undefined;
  screening?: ScreeningEntry | undefined;
  secretScan?:
    | { arguments?: IntegritySettings["secrets"]["arguments"]; results?: IntegritySettings["secrets"]["results"] }
    | undefined;
}

export function normalizeIntegrity(defaults: IntegrityEntry, entry: IntegrityEntry): IntegritySettings {
  const base = DEFAULT_INTEGRITY;
  const screening = { ...defaults.screening, ...defined(entry.screening ?? {}) };
  return {
    pinning: entry.pinning ?? defaults.pinning ?? base.pinning,
    onChange: entry.onChange ?? defaults.onChange ?? base.onChange,
    screening: {
      definitions: screening.definitions ?? base.screening.definitions,
      quarantineAt: screening.quarantineAt ?? base.screening.quarantineAt,
      rules: { ...defaults.screening?.rules, ...entry.screening?.rules },
      results: screening.results ?? base.screening.results,
    },
    secrets: {
      arguments: entry.secretScan?.arguments ?? defaults.secretScan?.arguments ?? base.secrets.arguments,
      results: entry.secretScan?.results ?? defaults.secretScan?.results ?? base.secrets.results,
    },
  };
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
