// Unconditional cleanup of what test helpers start (gateways, `switchboard serve` processes, HTTP servers): a
// test that fails, or forgets to close what it started, must fail the run, not leave processes that keep its
// test file (and so the whole runner) alive. What is still open when a test file's tests are done is closed in
// a hook of that file's root; only in a test file, never in a script that happens to import a helper.
import { after } from "node:test";

const open = new Set<() => Promise<void>>();

if (process.env.NODE_TEST_CONTEXT !== undefined && /\.test\.[cm]?[jt]s$/.test(process.argv[1] ?? "")) {
  after(async () => {
    const left = [...open].reverse();
    open.clear();
    await Promise.allSettled(left.map((close) => close()));
  });
}

/**
 * Registers `close` to run when the test file ends, unless the returned function is called first (the owner
 * closed it itself).
 */
export function closeAtEnd(close: () => Promise<void>): () => void {
  open.add(close);
  return () => {
    open.delete(close);
  };
}
