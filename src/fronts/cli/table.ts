// Plain-text tables for CLI output: columns padded to their widest cell, two spaces apart.
import { terminalSafe } from "../../core/printable.ts";

/** Cells hold server-provided text: made terminal-safe and one line before widths are measured. */
const cellText = (cell: string) => terminalSafe(cell).replace(/[\n\t]/g, " ");

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => row.map(cellText));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? "").length)));
  return [header, ...cells]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] as number))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
