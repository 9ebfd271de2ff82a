// The text items that tell a model a result was cut and how to read on. They are separate content items, so the
// result's own text stays exactly as the server wrote it.

export const TRUNCATED_META_KEY = "switchboard/truncated";

/** What `_meta["switchboard/truncated"]` holds on a cut reply or a page that is not the last. */
export interface TruncatedMeta {
  /** Absent when the rest could not be stored. */
  handle?: string;
  shownTokens: number;
  totalTokens: number;
  /** The offset to pass to read_result for what follows. */
  offset?: number;
}

const readCall = (handle: string, offset: number) => `read_result {"handle":"${handle}","offset":${offset}}`;

export function cutMarker(handle: string, shownTokens: number, totalTokens: number): string {
  return `[Result cut to fit the output budget: about ${shownTokens} of ${totalTokens} tokens shown (o200k estimate). Read the rest: ${readCall(handle, 0)}]`;
}

export function unstoredMarker(shownTokens: number, totalTokens: number): string {
  return `[Result cut to fit the output budget: about ${shownTokens} of ${totalTokens} tokens shown (o200k estimate). The rest could not be kept for reading; call the tool again with narrower arguments.]`;
}

export function pageMarker(handle: string, shownTokens: number, totalTokens: number, next: number): string {
  return `[More of this result remains: about ${shownTokens} tokens shown here, ${totalTokens} in the whole result (o200k estimate). Read on: ${readCall(handle, next)}]`;
}
