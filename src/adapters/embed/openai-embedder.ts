// Embedder over an OpenAI-compatible embeddings API (OpenAI, Azure-style proxies, Ollama, vLLM, LiteLLM, …):
// POST <url>/embeddings {model, input, dimensions?}, in batches, one request at a time, each with a time limit.
import { type Embedder, EmbedderError } from "../../ports/embedder.ts";
import { l2Normalize } from "./l2-normalize.ts";

const EXCERPT_CHARS = 300;

export interface OpenAiEmbedderOptions {
  /** Base URL of the API, e.g. https://api.openai.com/v1; requests go to `<url>/embeddings`. */
  url: string;
  /** Model name sent with each request. */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set; never appears in errors or logs. */
  apiKey?: string;
  /** Requested vector size, for models that accept one; part of the embedder's model identity. */
  dimensions?: number;
  /** Texts per request. */
  batchSize: number;
  /** Limit of one request, answer body included. Milliseconds. */
  timeoutMs: number;
}

export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  const endpoint = `${options.url.replace(/\/+$/, "")}/embeddings`;
  const where = withoutCredentials(endpoint);
  const batchSize = Math.max(1, Math.floor(options.batchSize));
  const { timeoutMs } = options;
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const redact = (text: string) => (options.apiKey ? text.split(options.apiKey).join("[redacted]") : text);

  const request = async (texts: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array[]> => {
    if (signal?.aborted) throw new EmbedderError("aborted", "embedding cancelled", { cause: signal.reason });
    const timeout = AbortSignal.timeout(timeoutMs);
    const body = JSON.stringify({ model: options.model, input: texts, dimensions: options.dimensions });
    let status: number;
    let text: string;
    try {
      const response = await fetch(endpoint, {
        method: "POST",
        headers,
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      status = response.status;
      text = await response.text();
      if (!response.ok) {
        throw new EmbedderError("http", `embeddings endpoint ${where} answered ${status}: ${excerpt(redact(text))}`, {
          status,
        });
      }
    } catch (error) {
      if (error instanceof EmbedderError) throw error;
      if (signal?.aborted) throw new EmbedderError("aborted", "embedding cancelled", { cause: signal.reason });
      if (timeout.aborted) {
        throw new EmbedderError("timeout", `embeddings endpoint ${where} did not answer within ${timeoutMs} ms`);
      }
      throw new EmbedderError("network", `embeddings endpoint ${where} unreachable: ${describe(error)}`, {
        cause: error,
      });
    }
    return vectorsOf(text, texts.length, where);
  };

  return {
    model: options.dimensions === undefined ? options.model : `${options.model}@${options.dimensions}`,
    async embed(texts, signal) {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        vectors.push(...(await request(texts.slice(start, start + batchSize), signal)));
      }
      return vectors;
    },
  };
}

/** `data[].embedding`, placed by `data[].index`, checked for count and a common dimension, then normalised. */
function vectorsOf(text: string, count: number, where: string): Float32Array[] {
  const invalid = (why: string) =>
    new EmbedderError("invalid_response", `embeddings endpoint ${where} sent ${why}: ${excerpt(text)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid("a body that is not JSON");
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length !== count) throw invalid(`no list of ${count} embeddings`);
  const vectors: Float32Array[] = new Array(count);
  let dims: number | undefined;
  for (const [position, item] of data.entries()) {
    const { index = position, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= count) {
      throw invalid(`an embedding index out of range (${String(index)})`);
    }
    if (vectors[index as number]) throw invalid(`embedding ${String(index)} twice`);
    if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every(Number.isFinite)) {
      throw invalid(`embedding ${String(index)} that is not a list of numbers`);
    }
    dims ??= embedding.length;
    if (embedding.length !== dims) throw invalid("embeddings of different lengths");
    vectors[index as number] = l2Normalize(embedding as number[]);
  }
  return vectors;
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat === "") return "(empty body)";
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    return parsed.href;
  } catch {
    return url;
  }
}
