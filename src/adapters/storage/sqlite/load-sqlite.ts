// Loads Node's built-in node:sqlite without its one-time ExperimentalWarning, leaving every other warning alone.
import type * as Sqlite from "node:sqlite";

const SQLITE_WARNING = "SQLite is an experimental feature";

/**
 * node:sqlite warns once, synchronously, when first loaded. Loading it with process.getBuiltinModule inside a
 * briefly wrapped process.emitWarning drops exactly that warning: no other code can run during the synchronous
 * load, so no other warning can be swallowed, and nothing stays installed afterwards.
 */
export function loadSqlite(): typeof Sqlite {
  const emitWarning = process.emitWarning;
  process.emitWarning = function filtered(this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const message = typeof warning === "string" ? warning : warning.message;
    if (message.startsWith(SQLITE_WARNING)) return;
    return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return process.getBuiltinModule("node:sqlite");
  } finally {
    process.emitWarning = emitWarning;
  }
}
