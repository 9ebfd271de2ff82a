// The embedder port: texts in, one unit-length vector per text out, from a named model (an embeddings API or
// vectors shipped in a package). Its errors stay inside the gateway: semantic search degrades, it never fails a
// request, so they carry a local reason rather than a wire error code.

export interface Embedder {
  /**
   * Names the vector space: stored vectors are keyed by it, and vectors of different models are never compared.
   * Includes anything that changes the vectors besides the text (e.g. a requested dimension count).
   */
  readonly model: string;
  /** One L2-normalised vector per text, in the order given. Rejects with EmbedderError. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/**
 * Why embedding failed. http: the endpoint answered with an error status. timeout: no answer within the
 * embedder's limit. network: no connection. invalid_response: an answer that is not a list of vectors for the
 * texts sent. aborted: the caller's signal. unavailable: the embedder cannot work at all (e.g. missing data).
 */
export type EmbedderFailure = "http" | "timeout" | "network" | "invalid_response" | "aborted" | "unavailable";

export class EmbedderError extends Error {
  readonly reason: EmbedderFailure;
  /** The HTTP status, for reason http. */
  readonly status: number | undefined;

  constructor(reason: EmbedderFailure, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EmbedderError";
    this.reason = reason;
    this.status = options.status;
  }
}
