// Every line the CLI writes passes through here: names, descriptions, results and errors come from servers,
// so escape sequences and control characters are stripped before they reach the operator's terminal.
import { terminalSafe } from "../../core/printable.ts";

/** One line (or block) on stdout, terminal-safe; JSON text keeps its meaning (see terminalSafe). */
export function out(text: string): void {
  process.stdout.write(`${terminalSafe(text)}\n`);
}

/** One line (or block) on stderr, terminal-safe. */
export function err(text: string): void {
  process.stderr.write(`${terminalSafe(text)}\n`);
}
