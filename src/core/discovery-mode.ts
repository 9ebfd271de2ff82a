// How tools are listed, shared by the gateway's settings and each server's spec (neither imports the other).

/** How tools are listed: all of them, or the meta-tools (search, describe, call, read a result) plus pins. */
export type DiscoveryMode = "full" | "progressive" | "auto";
