// The token counter port: an offline estimate of how many tokens a text costs a model (o200k_base BPE).
// Counts are labelled estimates everywhere they are shown: the model that reads the text may tokenize otherwise.

export interface TokenCounter {
  /** The encoding's name, shown next to counts (e.g. `o200k_base`). */
  readonly encoding: string;
  count(text: string): number;
  /**
   * The length (in UTF-16 code units) of the longest prefix of `text` that fits in `maxTokens` tokens, never
   * splitting a character. Callers snap it back to a clean boundary themselves.
   */
  prefixLength(text: string, maxTokens: number): number;
}

/**
 * Counts many texts in one go, possibly off the event loop (a worker thread): loading the encoding's ranks and
 * counting a large catalog take seconds of CPU that must not hold up the calls a gateway is serving.
 */
export interface TokenBatchCounter {
  /** The encoding's name and the tokens of each text, in order. */
  countAll(texts: readonly string[]): Promise<{ encoding: string; counts: number[] }>;
}
