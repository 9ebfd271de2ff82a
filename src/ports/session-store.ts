// The session store port: 2025-era downstream session records, so another replica can serve a session.
import type { Principal } from "../core/identity.ts";

export interface SessionRecord {
  id: string;
  /** `aggregate`, or `server:<name>` for `/mcp/{name}`. */
  endpoint: string;
  protocolVersion: string | undefined;
  clientInfo: Record<string, unknown> | undefined;
  clientCapabilities: Record<string, unknown> | undefined;
  logLevel: string | undefined;
  /** Who opened the session (no credential); absent in records written before authentication existed. */
  principal?: Principal;
  createdAt: string;
}

export interface SessionStore {
  /** Stores (or refreshes) a record; it expires `ttlMs` after the last put. */
  put(record: SessionRecord, ttlMs: number): Promise<void>;
  get(id: string): Promise<SessionRecord | undefined>;
  delete(id: string): Promise<void>;
  close(): Promise<void>;
}
