/** An in-memory ByteSource (no disk, no network: fast enough for tens of thousands of fuzz cases). */
import type { ByteSource } from '../../src/sources/source.js'

export function memorySource(bytes: Uint8Array, key: string): ByteSource {
  return {
    ref: { key },
    async *stream(start, end) {
      const stop = Math.min(end ?? bytes.length, bytes.length)
      for (let p = start; p < stop; p += 64 * 1024) yield bytes.subarray(p, Math.min(stop, p + 64 * 1024))
    },
    slice: async (start, end) => bytes.subarray(Math.max(0, start), Math.min(end, bytes.length)),
    tail: async (n) => ({ bytes: bytes.subarray(Math.max(0, bytes.length - n)), size: bytes.length }),
  }
}
