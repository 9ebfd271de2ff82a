// Runs the storage-writer fixture and SIGKILLs it the moment it prints ACK (its writes resolved).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const WRITER = fileURLToPath(new URL("../fixtures/storage-writer.ts", import.meta.url));

/** Resolves once the writer acknowledged and then died of SIGKILL; rejects if it exited before ACK. */
export async function killWriterAfterAck(args: string[], timeoutMs = 30_000): Promise<void> {
  const child = spawn(process.execPath, [WRITER, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = once(child, "exit");
  let stdout = "";
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const acked = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ACK within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (stdout.includes("ACK\n")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`writer exited (${code}) before ACK; stderr: ${stderr}`));
    });
  });
  try {
    await acked;
  } catch (error) {
    child.kill("SIGKILL");
    await exited;
    throw error;
  }
  child.kill("SIGKILL");
  const [, signal] = await exited;
  if (signal !== "SIGKILL") throw new Error(`writer ended (${signal}) before it was killed`);
}
