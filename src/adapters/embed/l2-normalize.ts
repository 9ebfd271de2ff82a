// Scales vectors to unit length, as the Embedder port promises, so cosine similarity is a plain dot product.

/** The vector as float32 with an L2 norm of 1; an all-zero vector stays all zero (it matches nothing). */
export function l2Normalize(values: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] as number) ** 2;
  const vector = new Float32Array(values.length);
  if (sum === 0) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < values.length; i++) vector[i] = (values[i] as number) * scale;
  return vector;
}
