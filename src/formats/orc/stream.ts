/**
 * One stream of a stripe (a column's PRESENT, DATA, LENGTH… bytes) as decoded bytes that decoders
 * read straight from `buf[pos..end)`. Chunks are decompressed on demand, one at a time, so a
 * stream never holds more than the bytes its decoders asked for plus one chunk. The compressed
 * bytes are either in memory already (the stripe was fetched) or fetched in windows; `need` is
 * synchronous whenever it can be, and tells the caller to `load()` when it cannot.
 */
import { concat, readChunk, type Compression } from './compression.js'
import { corrupt, overLimit, type OrcWhere } from './errors.js'

/** Fetches file bytes [start, end). */
export type RangeReader = (start: number, end: number) => Promise<Uint8Array>

/**
 * Bytes one `need` may ask to have contiguous: one string value, or one window's worth of a
 * column's string data (docs/reliability.md).
 */
export const MAX_CONTIGUOUS = 64 * 1024 * 1024

export class OrcStream {
  /** Decoded bytes; decoders read buf[pos..end). */
  buf: Uint8Array = new Uint8Array(0)
  pos = 0
  end = 0
  /** Compressed bytes in memory: src[0] is file offset srcAt; the next chunk header is at file offset `next`. */
  private src: Uint8Array
  private srcAt: number
  private next: number

  constructor(
    /** The column's path and the stream's kind (DATA, LENGTH…), for errors. */
    readonly column: string,
    readonly kind: string,
    private readonly compression: Compression,
    /** File range of the stream. */
    readonly start: number,
    readonly stop: number,
    /** Compressed bytes already in memory, from file offset `at`. */
    loaded: Uint8Array,
    at: number,
    private readonly fetch?: RangeReader,
    private readonly window = 1 << 20,
  ) {
    this.src = loaded
    this.srcAt = at
    this.next = start
    if (compression.codec === undefined && at <= start && at + loaded.length >= stop) {
      // Uncompressed and in memory: the bytes are the stream.
      this.buf = loaded.subarray(start - at, stop - at)
      this.end = this.buf.length
      this.next = stop
    }
  }

  /** True when every byte of the stream has been decoded into buf (what is left is buf[pos..end)). */
  get done(): boolean {
    return this.next >= this.stop
  }

  /** File offset near the bytes being decoded (the next compressed chunk): for errors. */
  get offset(): number {
    return this.next
  }

  /** Where a failure is: the column and the offset. */
  where(): OrcWhere {
    return { column: this.column, offset: this.next }
  }

  /**
   * At least `k` decoded bytes at buf[pos..], or all that is left when the stream is shorter (the
   * decoder then finds its data cut short). False when more compressed bytes must be fetched first
   * (call `load`).
   */
  need(k: number): boolean {
    if (this.end - this.pos >= k || this.next >= this.stop) return true
    if (k > MAX_CONTIGUOUS) throw overLimit(`a value or window of ${k} bytes is over the limit`, { ...this.where(), expected: `at most ${MAX_CONTIGUOUS} bytes` })
    const parts: Uint8Array[] = []
    let have = this.end - this.pos
    if (have > 0) parts.push(this.buf.subarray(this.pos, this.end))
    let ok = true
    while (have < k && this.next < this.stop) {
      const chunk = this.chunk()
      if (chunk === undefined) {
        ok = false
        break
      }
      parts.push(chunk)
      have += chunk.length
    }
    this.buf = parts.length === 1 ? parts[0] : concat(parts, have)
    this.pos = 0
    this.end = have
    return ok
  }

  /** The next chunk's decoded bytes from what is in memory; undefined when more must be fetched. */
  private chunk(): Uint8Array | undefined {
    const c = this.compression
    // Offsets relative to src: p the next chunk, loaded the end of what is in memory, end the stream's end.
    const p = this.next - this.srcAt
    const end = this.stop - this.srcAt
    const loaded = Math.min(this.src.length, end)
    const partial = loaded < end
    if (c.codec === undefined) {
      if (p >= loaded) return undefined
      this.next = this.srcAt + loaded
      return this.src.subarray(p, loaded)
    }
    if (loaded - p < 3 && partial) return undefined
    if (loaded - p >= 3 && partial) {
      const len = (this.src[p] | (this.src[p + 1] << 8) | (this.src[p + 2] << 16)) >>> 1
      // A chunk that fits the stream but not yet memory: fetch; one that overruns the stream: readChunk says so.
      if (p + 3 + len > loaded && p + 3 + len <= end) return undefined
    }
    const { bytes, next } = readChunk(c, this.src, p, loaded, this.srcAt)
    this.next = this.srcAt + next
    return bytes
  }

  /** Fetches the next window of compressed bytes (keeping a partly fetched chunk). */
  async load(): Promise<void> {
    if (!this.fetch) throw corrupt(`the ${this.kind} stream's bytes are not available`, this.where())
    const from = this.next
    const kept = this.src.subarray(Math.max(0, from - this.srcAt))
    const fetchFrom = this.srcAt + this.src.length > from ? this.srcAt + this.src.length : from
    const want = Math.max(this.window, this.compression.blockSize + 3 + (from - fetchFrom))
    const more = await this.fetch(fetchFrom, Math.min(this.stop, fetchFrom + want))
    this.src = kept.length > 0 && fetchFrom > from ? concat([kept, more], kept.length + more.length) : more
    this.srcAt = from
  }
}
