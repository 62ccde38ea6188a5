/**
 * Byte access to column chunks: where a chunk lies, and sequential reads over it — preloaded with
 * its neighbours when they fit the read size together, otherwise fetched in windows as its pages
 * are consumed.
 */
import type { ColumnChunkMeta } from './metadata.js'

export type Slice = (start: number, end: number) => Promise<Buffer>

/** Sequential access to the bytes of one column chunk. */
export interface ChunkBytes {
  /** At least `n` bytes from the current position (fewer only at the chunk's end). */
  peek(n: number): Promise<Buffer>
  skip(n: number): void
  readonly remaining: number
  /** File offset of the current position (for error messages). */
  readonly offset: number
}

/** [start, end) of a column chunk: from its dictionary page if it has one. */
export function chunkRange(c: ColumnChunkMeta): [number, number] {
  const d = c.dictionaryPageOffset
  // Some writers put 0 here when there is no dictionary.
  const start = d !== undefined && d > 0 && d < c.dataPageOffset ? d : c.dataPageOffset
  return [start, start + c.totalCompressedSize]
}

/** [start, end) covering all of these chunks. */
export function span(columns: readonly ColumnChunkMeta[]): [number, number] {
  let a = Infinity
  let b = 0
  for (const c of columns) {
    const [s, e] = chunkRange(c)
    a = Math.min(a, s)
    b = Math.max(b, e)
  }
  return [a === Infinity ? 0 : a, b]
}

/** A Buffer view of the same memory (Buffer.from(uint8array) would copy). */
export function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.length)
}

/**
 * Byte access for each needed chunk. Adjacent chunks that together fit `readSize` are fetched in one
 * request; a chunk larger than its share of `readSize` is read in windows as its pages are consumed.
 */
export async function fetchChunks(chunks: readonly ColumnChunkMeta[], readSize: number, slice: Slice): Promise<(j: number) => ChunkBytes> {
  const ranges = chunks.map(chunkRange)
  const order = ranges.map((_, j) => j).sort((x, y) => ranges[x][0] - ranges[y][0])
  const window = Math.max(256 * 1024, Math.floor(readSize / Math.max(1, chunks.length)))
  const result: ((() => ChunkBytes) | undefined)[] = new Array(chunks.length)
  let k = 0
  while (k < order.length) {
    // Grow a run of chunks while they are (nearly) contiguous and the run fits the read size.
    const first = order[k]
    let [a, b] = ranges[first]
    const members = [first]
    while (k + 1 < order.length) {
      const [s, e] = ranges[order[k + 1]]
      if (s - b > 64 * 1024 || Math.max(b, e) - a > readSize) break
      b = Math.max(b, e)
      members.push(order[++k])
    }
    k++
    if (b - a <= readSize) {
      const buf = await slice(a, b)
      for (const j of members) result[j] = () => preloaded(buf, a, ranges[j])
    } else {
      for (const j of members) result[j] = () => windowed(slice, ranges[j], window)
    }
  }
  return (j) => result[j]!()
}

export function preloaded(buf: Buffer, bufStart: number, [start, end]: [number, number]): ChunkBytes {
  let pos = start
  return {
    peek: async (n) => buf.subarray(pos - bufStart, Math.min(end, pos + n) - bufStart),
    skip: (n) => {
      pos += n
    },
    get remaining() {
      return end - pos
    },
    get offset() {
      return pos
    },
  }
}

function windowed(slice: Slice, [start, end]: [number, number], window: number): ChunkBytes {
  let pos = start
  let buf: Buffer = Buffer.alloc(0)
  let bufStart = start
  return {
    async peek(n) {
      const want = Math.min(end, pos + n)
      if (want > bufStart + buf.length) {
        const keep = buf.subarray(pos - bufStart)
        const more = await slice(bufStart + buf.length, Math.min(end, Math.max(want, pos + window)))
        buf = keep.length ? Buffer.concat([keep, more]) : more
        bufStart = pos
      }
      return buf.subarray(pos - bufStart, want - bufStart)
    },
    skip(n) {
      pos += n
      if (pos - bufStart >= buf.length) {
        // Drop consumed bytes as soon as possible.
        buf = Buffer.alloc(0)
        bufStart = pos
      }
    },
    get remaining() {
      return end - pos
    },
    get offset() {
      return pos
    },
  }
}
