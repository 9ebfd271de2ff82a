// Text from servers (stderr lines, error messages) shown on an operator's terminal: control characters (C0 but
// tab, DEL, C1) become U+FFFD, so a server cannot move the cursor, recolour, retitle or rewrite the screen.

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

export function printable(text: string): string {
  return text.replace(CONTROLS, "\uFFFD");
}
