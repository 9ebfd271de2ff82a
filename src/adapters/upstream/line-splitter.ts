// Splits a byte stream into lines without copying more than needed (newline-delimited JSON-RPC, stderr).

export function createLineSplitter(
  onLine: (line: string) => void,
  maxLineBytes = 64 * 1024 * 1024,
): (chunk: Buffer) => void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  return (chunk) => {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      let line: string;
      if (pendingBytes > 0) {
        pending.push(chunk.subarray(start, nl));
        line = Buffer.concat(pending).toString("utf8");
        pending = [];
        pendingBytes = 0;
      } else {
        line = chunk.toString("utf8", start, nl);
      }
      start = nl + 1;
      if (line.length > 0 && line !== "\r") onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
    }
    if (start < chunk.length) {
      if (pendingBytes + chunk.length - start > maxLineBytes) {
        // A runaway line: drop it rather than grow without bound.
        pending = [];
        pendingBytes = 0;
        return;
      }
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
    }
  };
}
