// A cap on the HTTP front's open connections (each is a file descriptor). At the cap, the oldest connection that
// is not serving a complete request — one still sending its headers or body, or idle between keep-alive requests
// — is closed to make room; only when every connection is busy (a running call, an open stream) is the newcomer
// refused. Slow senders therefore cannot hold the front: a liveness probe, which sends its request at once,
// still gets in and is answered.
import type { Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

export interface ConnectionLimit {
  /** Connections open now. */
  readonly open: number;
  readonly max: number;
  /** Connections closed to make room for a newer one (monotonic). */
  readonly evicted: number;
  /** Connections refused because every open one was busy (monotonic). */
  readonly refused: number;
}

export function limitConnections(server: Server, max: number): ConnectionLimit {
  /** Open connections, oldest first, with the response to their latest request (undefined before the first). */
  const sockets = new Map<Socket, ServerResponse | undefined>();
  let evicted = 0;
  let refused = 0;

  const evictOne = (): boolean => {
    for (const [socket, res] of sockets) {
      if (res?.req.complete && !res.writableFinished) continue; // serving: a call or a stream
      sockets.delete(socket);
      socket.destroy();
      evicted++;
      return true;
    }
    return false;
  };

  server.on("connection", (socket: Socket) => {
    if (sockets.size >= max && !evictOne()) {
      refused++;
      socket.destroy();
      return;
    }
    sockets.set(socket, undefined);
    socket.once("close", () => sockets.delete(socket));
  });
  // Setting an existing key keeps the connection's place in the (oldest-first) order.
  server.on("request", (req, res: ServerResponse) => {
    if (sockets.has(req.socket)) sockets.set(req.socket, res);
  });

  return {
    get open() {
      return sockets.size;
    },
    max,
    get evicted() {
      return evicted;
    },
    get refused() {
      return refused;
    },
  };
}
