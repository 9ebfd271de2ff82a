// `${VAR}` and `${VAR:-default}` references in config strings, resolved from the environment at load time.
// The file itself is never rewritten, so secrets stay references on disk.

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface InterpolationResult {
  value: string;
  missing: string[];
}

export function interpolate(text: string, vars: Readonly<Record<string, string | undefined>>): InterpolationResult {
  const missing: string[] = [];
  const value = text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === "$$") return "$";
    const found = vars[name as string];
    if (found !== undefined && found !== "") return found;
    if (fallback !== undefined) return fallback;
    missing.push(name as string);
    return "";
  });
  return { value, missing };
}
