/**
 * What every column reader shares: the stripe's streams, the PRESENT stream (nulls), and reading
 * a window of rows in two steps — `read(n)` decodes n rows into typed arrays, then the reader's
 * accessors turn values into JS values only for the rows that need them. A child column of a
 * struct, list, map or union holds values only for its parent's non-null rows, so a parent reads
 * its children with the count of those rows.
 */
import { BoolRle } from './byte-rle.js'
import { corrupt, OrcError } from './errors.js'
import type { IntDecoder } from './int-decoder.js'
import { IntRleV1 } from './int-rle-v1.js'
import { IntRleV2 } from './int-rle-v2.js'
import { EncodingKind, StreamKind } from './proto.js'
import type { StripeLayout } from './stripe.js'
import type { OrcStream } from './stream.js'
import type { OrcType } from './types.js'

/** What a stripe offers its column readers. */
export interface StripeContext {
  readonly layout: StripeLayout
  /** The stream of a column and kind as a decoder input; undefined when the stripe has none. */
  stream(column: number, kind: number): OrcStream | undefined
  /** The stream, or an empty one (a stripe may leave out a stream with no bytes). */
  streamOrEmpty(column: number, kind: number): OrcStream
  /** File format version (decimal64 is RLE v2 in 1.9999 "UNSTABLE-PRE-2.0" files). */
  readonly version: readonly number[]
  /** Seconds to add to a TIMESTAMP's stored seconds, and the writer zone's offset at an instant (wall-clock values). */
  readonly time: TimeBase
  /** Values a window of nested values may hold at most (docs/reliability.md). */
  readonly maxNested: number
  /** The stripe is done: its streams give back their buffers. */
  release(): void
}

export interface TimeBase {
  /** 2015-01-01 00:00:00 in the writer's zone, in seconds since the epoch (UTC). */
  readonly epoch: number
  /** The writer zone's offset from UTC at an instant, in seconds; undefined for UTC. */
  readonly offsetAt?: (epochSeconds: number) => number
}

export abstract class Column {
  /** Rows of the last read, and which of them have values (undefined: all). */
  n = 0
  nonNull = 0
  present: Uint8Array | undefined
  /** For each row of the last read, the index of its value among the non-null values, -1 for null (valid when `present` is set). */
  slots: Int32Array | undefined
  private readonly presentStream: BoolRle | undefined

  constructor(
    readonly type: OrcType,
    protected readonly ctx: StripeContext,
  ) {
    const s = ctx.stream(type.id, StreamKind.PRESENT)
    this.presentStream = s && s.stop > s.start ? new BoolRle(s) : undefined
  }

  /** Decodes the next `n` rows. */
  async read(n: number): Promise<void> {
    this.n = n
    if (this.presentStream) {
      if (!this.present || this.present.length < n) this.present = new Uint8Array(Math.max(n, 1024))
      const p = this.present
      const ps = this.presentStream
      const got = ps.read(p, 0, n)
      if (got < n) await complete(ps.stream, n, got, (done) => ps.read(p, done, n - done))
      let m = 0
      if (!this.slots || this.slots.length < n) this.slots = new Int32Array(Math.max(n, 1024))
      const slot = this.slots
      for (let i = 0; i < n; i++) {
        slot[i] = p[i] ? m : -1
        m += p[i]
      }
      this.nonNull = m
      if (m === n) this.present = undefined
    } else {
      this.present = undefined
      this.nonNull = n
    }
    await this.readValues(this.nonNull)
  }

  /** Skips the next `n` rows (rows before a resume point). */
  async skip(n: number): Promise<void> {
    let m = n
    const ps = this.presentStream
    if (ps) {
      const scratch = new Uint8Array(Math.min(n, 8192))
      m = 0
      for (let left = n; left > 0; ) {
        const k = Math.min(left, scratch.length)
        const got = ps.read(scratch, 0, k)
        if (got < k) await complete(ps.stream, k, got, (done) => ps.read(scratch, done, k - done))
        for (let i = 0; i < k; i++) m += scratch[i]
        left -= k
      }
    }
    await this.skipValues(m)
  }

  protected abstract readValues(m: number): Promise<void> | void
  protected abstract skipValues(m: number): Promise<void> | void

  /** The general value of the k-th non-null value of the last read. */
  abstract value(k: number): unknown

  /** The general value of row r of the last read; null when the row is null (`undefined` for inventory rows). */
  get(r: number, nul: null | undefined = null): unknown {
    return this.at(r, nul)
  }

  /** `get` with the null value given (a default parameter would turn an explicit undefined into null). */
  at(r: number, nul: null | undefined): unknown {
    if (this.present === undefined) return this.value(r)
    const k = this.slots![r]
    return k < 0 ? nul : this.value(k)
  }

  /** Every stream this reader decodes (to check that each was read to its end). */
  abstract streams(): OrcStream[]
}

/**
 * A decoder stopped short of `want` items at `done`: it needs more compressed bytes. Fetches them
 * and repeats `step(done)` (which returns how many more it did) until all are done.
 */
export async function complete(stream: OrcStream, want: number, done: number, step: (done: number) => number): Promise<void> {
  while (done < want) {
    await stream.load()
    const more = step(done)
    if (more === 0 && stream.done) throw corrupt(`the ${stream.kind} stream ends before all of its values`, stream.where())
    done += more
  }
}

/** Integer decoder of a stream for an encoding: RLE v1 for DIRECT/DICTIONARY, v2 for the _V2 kinds. */
export function intDecoder(stream: OrcStream, encoding: number, signed: boolean): IntDecoder {
  return encoding === EncodingKind.DIRECT_V2 || encoding === EncodingKind.DICTIONARY_V2 ? new IntRleV2(stream, signed) : new IntRleV1(stream, signed)
}

/** Reads n integers into out[0..n), loading stream bytes as needed. */
export async function readInts(dec: IntDecoder, out: Float64Array, n: number): Promise<void> {
  const got = dec.read(out, 0, n)
  if (got < n) await complete(dec.stream, n, got, (done) => dec.read(out, done, n - done))
}

export async function skipInts(dec: IntDecoder, n: number): Promise<void> {
  const got = dec.skip(n)
  if (got < n) await complete(dec.stream, n, got, (done) => dec.skip(n - done))
}

/** Refuses an encoding a column kind cannot have (`allowed`: encoding kinds). */
export function checkEncoding(type: OrcType, encoding: number, allowed: readonly number[]): void {
  if (!allowed.includes(encoding)) {
    throw new OrcError('ORC_CORRUPT', 'a column has an encoding its type cannot have', {
      column: type.path,
      actual: `encoding kind ${encoding}`,
    })
  }
}

/** A buffer that holds at least n values of a typed-array kind, reused between windows. */
export function grow(a: Float64Array<ArrayBuffer> | undefined, n: number): Float64Array<ArrayBuffer> {
  return a && a.length >= n ? a : new Float64Array(Math.max(n, 1024))
}
