// Finds the executable entry of an installed npm package so a server can run as `node <entry>` instead of npx.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** An installed package's bin, with the package's name and version (part of the server's identity). */
export interface ResolvedPackage {
  bin: string;
  name: string;
  version: string;
}

/** Looks for `node_modules/<name>` upward from each base directory; returns the absolute bin path. */
export function resolvePackageBin(name: string, baseDirs: readonly string[]): ResolvedPackage {
  const [packageName, binName] = splitBin(name);
  for (const base of baseDirs) {
    for (let dir = resolve(base); ; dir = dirname(dir)) {
      const manifestPath = join(dir, "node_modules", packageName, "package.json");
      if (existsSync(manifestPath)) return binOf(manifestPath, packageName, binName);
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error(
    `npm package "${packageName}" is not installed (looked in node_modules above ${baseDirs.join(", ")})`,
  );
}

/** `pkg` or `pkg#bin` (for packages with several bins). */
function splitBin(spec: string): [string, string | undefined] {
  const at = spec.indexOf("#");
  return at < 0 ? [spec, undefined] : [spec.slice(0, at), spec.slice(at + 1)];
}

function binOf(manifestPath: string, packageName: string, binName: string | undefined): ResolvedPackage {
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
    bin?: string | Record<string, string>;
    version?: unknown;
  };
  const dir = dirname(manifestPath);
  const found = (bin: string) => ({ bin: join(dir, bin), name: packageName, version: String(manifest.version ?? "") });
  if (typeof manifest.bin === "string") return found(manifest.bin);
  const bins = manifest.bin ?? {};
  const names = Object.keys(bins);
  const unscoped = packageName.replace(/^@[^/]+\//, "");
  const chosen = binName ?? (names.length === 1 ? names[0] : names.find((n) => n === unscoped));
  if (chosen === undefined || bins[chosen] === undefined) {
    throw new Error(
      `npm package "${packageName}" has bins ${names.join(", ") || "(none)"}; name one as "${packageName}#<bin>"`,
    );
  }
  return found(bins[chosen]);
}
