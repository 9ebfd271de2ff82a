// Token counts with js-tiktoken's o200k_base ranks (the GPT-4o/o-series encoding), fully offline. The ranks
// (~2 MB of source) are loaded on first use only, so a gateway that never counts never pays for them.
import type { TokenCounter } from "../../ports/token-counter.ts";

let loading: Promise<TokenCounter> | undefined;

/** The process-wide o200k counter, loaded once. */
export function loadTokenCounter(): Promise<TokenCounter> {
  loading ??= (async () => {
    const [{ Tiktoken }, ranks] = await Promise.all([
      import("js-tiktoken/lite"),
      import("js-tiktoken/ranks/o200k_base"),
    ]);
    return new TiktokenCounter(new Tiktoken(ranks.default));
  })();
  return loading;
}

interface Encoder {
  encode(text: string, allowedSpecial?: "all" | string[], disallowedSpecial?: "all" | string[]): number[];
  decode(tokens: number[]): string;
}

class TiktokenCounter implements TokenCounter {
  readonly encoding = "o200k_base";
  private readonly encoder: Encoder;

  constructor(encoder: Encoder) {
    this.encoder = encoder;
  }

  count(text: string): number {
    // Special-token text (e.g. "<|endoftext|>") in tool output is counted as ordinary text, never rejected.
    return text.length === 0 ? 0 : this.encoder.encode(text, [], []).length;
  }

  prefixLength(text: string, maxTokens: number): number {
    if (maxTokens <= 0) return 0;
    const tokens = this.encoder.encode(text, [], []);
    if (tokens.length <= maxTokens) return text.length;
    // A token may end inside a multi-byte character; the decoded prefix then ends with U+FFFD. Drop it.
    let prefix = this.encoder.decode(tokens.slice(0, maxTokens));
    while (prefix.endsWith("\uFFFD") && !text.startsWith(prefix)) prefix = prefix.slice(0, -1);
    let length = Math.min(prefix.length, text.length);
    // Never split a surrogate pair.
    const code = text.charCodeAt(length - 1);
    if (length > 0 && code >= 0xd800 && code <= 0xdbff) length--;
    return length;
  }
}
