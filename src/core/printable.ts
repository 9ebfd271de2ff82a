// Text from servers (stderr lines, error messages) shown on an operator's terminal: control characters (C0 but
// tab, DEL, C1) become U+FFFD, so a server cannot move the cursor, recolour, retitle or rewrite the screen.

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

export function printable(text: string): string {
  return text.replace(CONTROLS, "\uFFFD");
}

/**
 * Escape sequences a terminal acts on: CSI (`ESC [` … final byte), OSC (`ESC ]` … BEL or ST: titles, hyperlinks,
 * clipboard writes), DCS/SOS/PM/APC strings (`ESC P|X|^|_` … ST) and two-character escapes. An unterminated string
 * runs to the end of the text, as it would on the terminal.
 */
const ESCAPE_SEQUENCES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point.
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\|$)|\u001b[PX^_][\s\S]*?(?:\u001b\\|$)|\u001b[\s\S]?/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const C0_BUT_LINE_BREAK_AND_TAB = /[\u0000-\u0008\u000b-\u001f]/g;
const DEL_AND_C1 = /[\u007f-\u009f]/g;

/**
 * Multi-line text for the operator's terminal (CLI output): escape sequences are removed whole, other C0
 * controls but newline and tab become U+FFFD, DEL and C1 (an 8-bit CSI is `\u009b`) become the six characters
 * `\u009b`. JSON text passes unchanged in meaning: JSON.stringify already escapes C0, and `\u009b` is the same
 * character in JSON, so one filter serves tables and `--json` alike.
 */
export function terminalSafe(text: string): string {
  return text
    .replace(ESCAPE_SEQUENCES, "")
    .replace(C0_BUT_LINE_BREAK_AND_TAB, "\uFFFD")
    .replace(DEL_AND_C1, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
