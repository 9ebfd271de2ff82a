// Splits a byte stream into lines without copying more than needed (newline-delimited JSON-RPC, stderr).
// A line longer than the bound is never held whole: it is reported once, then skipped up to its newline.

/** What the splitter knows of a line it dropped for being too long: its first bytes (to tell JSON from text). */
export interface OverlongLine {
  /** The first bytes of the line (up to 64), as text. */
  head: string;
  /** Bytes seen when the bound was crossed (the rest of the line is skipped unseen). */
  bytes: number;
}

const HEAD_BYTES = 64;

export function createLineSplitter(
  onLine: (line: string) => void,
  maxLineBytes = 64 * 1024 * 1024,
  onOverlong: (line: OverlongLine) => void = () => {},
): (chunk: Buffer) => void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** True from the moment a line crossed the bound until its newline. */
  let skipping = false;

  const drop = (tail: Buffer) => {
    const head = Buffer.concat([...pending, tail.subarray(0, HEAD_BYTES)]).subarray(0, HEAD_BYTES);
    const bytes = pendingBytes + tail.length;
    pending = [];
    pendingBytes = 0;
    skipping = true;
    onOverlong({ head: head.toString("utf8"), bytes });
  };
  const emit = (line: string) => {
    if (line.length > 0 && line !== "\r") onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  };

  return (chunk) => {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const part = chunk.subarray(start, nl);
      start = nl + 1;
      if (skipping) {
        skipping = false;
        continue;
      }
      if (pendingBytes + part.length > maxLineBytes) {
        drop(part);
        skipping = false;
        continue;
      }
      if (pendingBytes > 0) {
        pending.push(part);
        const line = Buffer.concat(pending).toString("utf8");
        pending = [];
        pendingBytes = 0;
        emit(line);
      } else emit(part.toString("utf8"));
    }
    if (start >= chunk.length || skipping) return;
    const rest = chunk.subarray(start);
    if (pendingBytes + rest.length > maxLineBytes) {
      // A runaway line: report it and skip the rest of it rather than grow without bound.
      drop(rest);
      return;
    }
    pending.push(rest);
    pendingBytes += rest.length;
  };
}
