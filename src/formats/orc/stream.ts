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

/**
 * Chunks are decompressed into one scratch buffer for the process, then copied into a buffer the
 * stream owns and keeps for the stripe, grown to the largest chunk it has held. Streams of a
 * stripe (35 for an inventory) mostly hold few bytes: one block-size buffer each cost 35 MB per 4
 * files, and a fresh buffer per chunk ~60 MB of garbage awaiting collection over a 10M-row read.
 */
let scratch: Uint8Array | undefined

function scratchFor(size: number): Uint8Array {
  if (!scratch || scratch.length < size) scratch = Buffer.allocUnsafe(size)
  return scratch
}

const EMPTY = new Uint8Array(0)

/** A buffer of at least `size` bytes: the smallest large enough in the pool, else a new one. */
function takeOwn(pool: Uint8Array[] | undefined, size: number, blockSize: number): Uint8Array {
  if (pool && pool.length > 0) {
    let best = -1
    for (let i = 0; i < pool.length; i++) if (pool[i].length >= size && (best < 0 || pool[i].length < pool[best].length)) best = i
    if (best >= 0) return pool.splice(best, 1)[0]
  }
  // Rounded up so a stream's next, slightly larger chunk fits.
  return Buffer.allocUnsafe(Math.min(blockSize, Math.max(size, 2 ** Math.ceil(Math.log2(Math.max(size, 64))))))
}

export class OrcStream {
  /** Decoded bytes; decoders read buf[pos..end). */
  buf: Uint8Array = new Uint8Array(0)
  pos = 0
  end = 0
  /** Compressed bytes in memory: src[0] is file offset srcAt; the next chunk header is at file offset `next`. */
  private src: Uint8Array
  private srcAt: number
  private next: number
  /** While decoding a bridge (see need): the chunk it leads into, and where in the bridge that chunk starts. */
  private pending: Uint8Array | undefined
  private split = 0
  /** This stream's copy of its current chunk. */
  private own: Uint8Array | undefined

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
    /** Buffers of a file's earlier stripes' streams, reused (see `own`). */
    private readonly pool?: Uint8Array[],
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

  /** True when every byte of the stream has been decoded and handed out (what is left is buf[pos..end)). */
  get done(): boolean {
    return this.next >= this.stop && this.pending === undefined
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
    if (this.end - this.pos >= k) return true
    if (this.pending) {
      // Leaving a bridge: continue in the chunk it led into.
      if (this.pos >= this.split) {
        this.buf = this.pending
        this.pos -= this.split
        this.end = this.buf.length
        this.pending = undefined
        if (this.end - this.pos >= k) return true
      } else {
        const joined = concat([this.buf.subarray(this.pos, this.split), this.pending], this.split - this.pos + this.pending.length)
        this.pending = undefined
        this.buf = joined
        this.pos = 0
        this.end = joined.length
        if (this.end >= k) return true
      }
    }
    if (this.next >= this.stop) return true
    if (k > MAX_CONTIGUOUS) throw overLimit(`a value or window of ${k} bytes is over the limit`, { ...this.where(), expected: `at most ${MAX_CONTIGUOUS} bytes` })
    const left = this.end - this.pos
    // Copied: the next chunk may be decompressed into the buffer these bytes are in.
    const rest = left > 0 ? concat([this.buf.subarray(this.pos, this.end)], left) : this.buf
    const first = this.chunk()
    if (first === undefined) return false
    if (left === 0 && first.length >= k) {
      this.buf = first
      this.pos = 0
      this.end = first.length
      return true
    }
    if (left > 0 && first.length >= k) {
      // A bridge: the few bytes left of this chunk and the start of the next, so that a run that
      // straddles them is contiguous without copying the whole next chunk.
      const bridge = concat([rest, first.subarray(0, k)], left + k)
      this.pending = first
      this.split = left
      this.buf = bridge
      this.pos = 0
      this.end = bridge.length
      return true
    }
    // A value longer than a chunk: join as many chunks as it takes.
    const parts: Uint8Array[] = left > 0 ? [rest, first] : [first]
    let have = left + first.length
    let ok = true
    parts[parts.length - 1] = concat([first], first.length)
    while (have < k && this.next < this.stop) {
      const chunk = this.chunk()
      if (chunk === undefined) {
        ok = false
        break
      }
      parts.push(concat([chunk], chunk.length))
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
    const reusable = c.codec === 'DEFLATE' || c.codec === 'SNAPPY'
    const { bytes, next } = readChunk(c, this.src, p, loaded, this.srcAt, reusable ? scratchFor(c.blockSize + 1) : undefined)
    this.next = this.srcAt + next
    if (!reusable || bytes.buffer !== scratch!.buffer) return bytes
    // Into the stream's own buffer (see need: nothing still refers to its old contents).
    if (!this.own || this.own.length < bytes.length) {
      if (this.own) this.pool?.push(this.own)
      this.own = takeOwn(this.pool, bytes.length, c.blockSize)
    }
    this.own.set(bytes)
    return this.own.subarray(0, bytes.length)
  }

  /** The stripe is done: its buffer goes back to the pool, for the next stripe's streams. */
  release(): void {
    if (this.own) this.pool?.push(this.own)
    this.own = undefined
    this.pending = undefined
    this.buf = EMPTY
    this.pos = this.end = 0
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
