// Preloaded (`node --import`) into targets without a bind-address option: listen() without a host binds 127.0.0.1.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function patchedListen(this: net.Server, ...args: unknown[]) {
  const [first, second] = args;
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, cb]): insert the loopback host when none is given.
    if (typeof second !== "string") args.splice(1, 0, "127.0.0.1");
  } else if (first !== null && typeof first === "object" && !("fd" in first) && !("path" in first)) {
    const options = first as net.ListenOptions;
    if (options.host === undefined) args[0] = { ...options, host: "127.0.0.1" };
  }
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof listen;
