// The SecretScanner contract on the in-thread scanner (secretlint on the event loop) and the worker one (secretlint
// in a worker thread that stays while scans keep coming).
import { createSecretlintScanner } from "../../src/adapters/secrets/secret-scanner.ts";
import { createWorkerSecretScanner } from "../../src/adapters/secrets/worker-secret-scanner.ts";
import { secretScannerContract } from "./secret-scanner.contract.ts";

secretScannerContract("in-thread", createSecretlintScanner);
secretScannerContract("worker thread", createWorkerSecretScanner);
