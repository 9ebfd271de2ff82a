// Worker thread entry of the worker secret scanner: loads secretlint's preset here, off the gateway's event loop,
// and answers a text with its findings.
import { serveRequests } from "../workers/worker-entry.ts";
import { createSecretlintScanner } from "./secret-scanner.ts";

const scanner = createSecretlintScanner();

serveRequests((text: string) => scanner.scan(text));
