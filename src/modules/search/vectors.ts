/**
 * Vectors are stored as Float32 little-endian bytes: a quarter of JSON's size, and
 * decoded without parsing. Cosine similarity is computed on unit vectors, normalised
 * once when stored, so a search only takes dot products.
 */
export function encodeVector(vector: readonly number[]): Uint8Array {
  const u = unit(vector);
  const buf = Buffer.alloc(u.length * 4);
  u.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf;
}

export function decodeVector(bytes: Uint8Array): Float32Array {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

export function unit(vector: readonly number[]): Float32Array {
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return Float32Array.from(vector, (x) => x / norm);
}

/** Cosine similarity of two unit vectors of the same length. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
