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
