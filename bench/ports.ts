// Free TCP ports on 127.0.0.1 for targets that cannot bind port 0 and report it.
import { createServer } from "node:net";

/** Listens on 127.0.0.1:0, reads the port the kernel chose, and closes again. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no port"))));
    });
  });
}
