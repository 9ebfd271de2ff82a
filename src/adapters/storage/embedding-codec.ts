// Vectors as bytes for the database adapters: little-endian float32, 4 bytes a dimension, whatever the host.
import { endianness } from "node:os";

const LITTLE_ENDIAN_HOST = endianness() === "LE";

/** The vector's float32 values, little-endian. */
export function encodeVector(vector: Float32Array): Buffer {
  if (LITTLE_ENDIAN_HOST) return Buffer.from(new Float32Array(vector).buffer);
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes;
}

/** Reads what encodeVector wrote; rejects a byte count that is not a whole number of float32s. */
export function decodeVector(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new Error(`a stored vector of ${bytes.byteLength} bytes is not float32s`);
  const vector = new Float32Array(bytes.byteLength / 4);
  if (LITTLE_ENDIAN_HOST) {
    // Copy first: the source may be a view at an offset not aligned to 4 bytes.
    new Uint8Array(vector.buffer).set(bytes);
    return vector;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < vector.length; i++) vector[i] = view.getFloat32(i * 4, true);
  return vector;
}
