// A SecretScanner that scans in a worker thread: secretlint's preset takes 30-190 ms on a 1 MiB message, which on
// the gateway's event loop would hold up every other client's calls for as long. Here the text is copied to the
// worker (structured clone, ~1 ms per MiB) and the findings come back. The worker starts with the first scan
// (loading secretlint there costs ~0.3-0.4 s, once) and stays for IDLE_MS after its last scan, so a gateway that
// scans every call pays the load once per busy period, not per call; while no scan waits it does not keep the
// process alive. If the worker crashes, the scans waiting on it reject and the next scan starts a new one.
import type { SecretFinding, SecretScanner } from "../../ports/secret-scanner.ts";
import { createWorkerClient, workerEntry } from "../workers/worker-client.ts";

const IDLE_MS = 60_000;

export interface WorkerSecretScannerOptions {
  /** How long the worker stays after its last scan. Default 60 s. */
  idleMs?: number;
  /** The worker's entry; default scan-worker beside this file (secretlint's preset). */
  entry?: URL;
}

export function createWorkerSecretScanner(
  options: WorkerSecretScannerOptions = {},
): SecretScanner & { close(): Promise<void> } {
  const client = createWorkerClient<string, { findings: SecretFinding[] }>(
    options.entry ?? workerEntry("scan-worker", import.meta.url),
    { name: "secret scan", idleMs: options.idleMs ?? IDLE_MS },
  );
  return {
    scan(text) {
      if (text.length === 0) return Promise.resolve({ findings: [] });
      return client.request(text);
    },
    close: () => client.close(),
  };
}
