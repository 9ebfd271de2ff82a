// The result store port: the remainder of large results, kept under a handle for paging, with a TTL.

export interface ResultStore {
  put(handle: string, value: string, ttlMs: number): Promise<void>;
  get(handle: string): Promise<string | undefined>;
  delete(handle: string): Promise<void>;
  close(): Promise<void>;
}
