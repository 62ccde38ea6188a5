/**
 * string, varchar, char and binary columns. DIRECT: a LENGTH stream and the bytes back to back in
 * DATA. DICTIONARY (strings only): DATA holds indexes into a dictionary read once per stripe, its
 * entries' lengths in LENGTH and their bytes in DICTIONARY_DATA. A window's bytes are held as one
 * decoded buffer, and JS strings are made only for the rows that are built.
 */
import { isAscii, isUtf8 } from 'node:buffer'
import type { FastBuffer } from '../../codecs/buffers.js'
import { checkEncoding, Column, grow, intDecoder, readInts, skipInts, type StripeContext } from './column.js'
import { corrupt, overLimit } from './errors.js'
import type { IntDecoder } from './int-decoder.js'
import { EncodingKind, StreamKind, TypeKind } from './proto.js'
import { encodingOf } from './stripe.js'
import { MAX_CONTIGUOUS, type OrcStream } from './stream.js'
import type { OrcType } from './types.js'

/** Dictionary entries per column per stripe, at most (docs/reliability.md). */
export const MAX_DICTIONARY_ENTRIES = 1 << 22
/** Dictionaries up to this many entries are decoded to strings once; larger ones per value. */
const CACHED_DICTIONARY = 1 << 20

const empty = Buffer.alloc(0) as FastBuffer

export class StringColumn extends Column {
  readonly dictionary: boolean
  private readonly binary: boolean
  /** DIRECT: lengths; DICTIONARY: indexes. */
  private readonly ints: IntDecoder
  private readonly data: OrcStream
  private lengths = new Float64Array(1024)
  /** DIRECT: the window's bytes: value k is buf[starts[k], starts[k + 1]). */
  buf: FastBuffer = empty
  starts = new Float64Array(1025)
  ascii = true
  /** DICTIONARY: value k is entry ids[k]. */
  ids = new Float64Array(1024)
  dict: Dictionary | undefined
  private readonly dictStreams: OrcStream[] = []
  private readonly dictionarySize: number

  constructor(type: OrcType, ctx: StripeContext) {
    super(type, ctx)
    const e = encodingOf(ctx.layout, type.id)
    this.binary = type.kind === TypeKind.BINARY
    checkEncoding(type, e.kind, this.binary ? [EncodingKind.DIRECT, EncodingKind.DIRECT_V2] : [0, 1, 2, 3])
    this.dictionary = e.kind === EncodingKind.DICTIONARY || e.kind === EncodingKind.DICTIONARY_V2
    this.dictionarySize = e.dictionarySize
    if (this.dictionary) {
      this.ints = intDecoder(ctx.streamOrEmpty(type.id, StreamKind.DATA), e.kind, false)
      this.data = ctx.streamOrEmpty(type.id, StreamKind.DICTIONARY_DATA)
      this.dictStreams.push(ctx.streamOrEmpty(type.id, StreamKind.LENGTH), this.data)
    } else {
      this.ints = intDecoder(ctx.streamOrEmpty(type.id, StreamKind.LENGTH), e.kind, false)
      this.data = ctx.streamOrEmpty(type.id, StreamKind.DATA)
    }
  }

  protected async readValues(m: number): Promise<void> {
    if (this.dictionary) {
      this.dict ??= await readDictionary(this.type, this.dictionarySize, this.dictStreams[0], this.data, this.ctx)
      this.ids = grow(this.ids, m)
      await readInts(this.ints, this.ids, m)
      const ids = this.ids
      const size = this.dict.size
      for (let i = 0; i < m; i++) {
        if (!(ids[i] < size)) throw corrupt(`a dictionary index is past the dictionary's ${size} entries`, { column: this.type.path, offset: this.ints.stream.offset, actual: String(ids[i]) })
      }
      this.ints.wide = undefined
      return
    }
    this.lengths = grow(this.lengths, m)
    await readInts(this.ints, this.lengths, m)
    if (this.starts.length < m + 1) this.starts = new Float64Array(Math.max(m + 1, 1025))
    const total = offsets(this.lengths, m, this.starts, this.type, this.ints)
    const b = await bytes(this.data, total, this.type)
    const base = this.data.pos
    const st = this.starts
    for (let i = 0; i <= m; i++) st[i] += base
    this.buf = b
    this.ascii = isAscii(b.subarray(base, base + total))
    this.data.pos += total
  }

  protected async skipValues(m: number): Promise<void> {
    if (this.dictionary) {
      this.dict ??= await readDictionary(this.type, this.dictionarySize, this.dictStreams[0], this.data, this.ctx)
      await skipInts(this.ints, m)
      this.ints.wide = undefined
      return
    }
    // Lengths in windows, then the bytes they cover.
    for (let left = m; left > 0; ) {
      const k = Math.min(left, 8192)
      this.lengths = grow(this.lengths, k)
      await readInts(this.ints, this.lengths, k)
      if (this.starts.length < k + 1) this.starts = new Float64Array(k + 1)
      const total = offsets(this.lengths, k, this.starts, this.type, this.ints)
      await bytes(this.data, total, this.type)
      this.data.pos += total
      left -= k
    }
  }

  /** The k-th value as a string (binary: a copy of its bytes). */
  value(k: number): string | Uint8Array {
    if (this.dict) return this.dict.get(this.ids[k])
    const s = this.starts[k]
    const e = this.starts[k + 1]
    if (this.binary) return new Uint8Array(this.buf.subarray(s, e))
    return this.ascii ? this.buf.latin1Slice(s, e) : this.buf.utf8Slice(s, e)
  }

  /** The bytes of row i of the window (DIRECT encoding; undefined for a dictionary's or a null), for an error. */
  rawBytes(i: number): Uint8Array | undefined {
    const k = this.present && this.slots ? this.slots[i] : i
    if (this.dict || k < 0) return undefined
    return this.buf.subarray(this.starts[k], this.starts[k + 1])
  }

  streams(): OrcStream[] {
    return [this.ints.stream, this.data, ...this.dictStreams.slice(0, 1)]
  }
}

/** starts[0..m] from lengths (starts[0] = 0); the total. ORC_CORRUPT for a length that cannot be one. */
function offsets(lengths: Float64Array, m: number, starts: Float64Array, type: OrcType, ints: IntDecoder): number {
  if (ints.wide) throw badLength(type, ints, String(ints.wide[0][1]))
  let total = 0
  starts[0] = 0
  for (let i = 0; i < m; i++) {
    const len = lengths[i]
    if (len < 0) throw badLength(type, ints, String(len))
    total += len
    starts[i + 1] = total
  }
  if (total > MAX_CONTIGUOUS) throw overLimit(`one window of values holds ${total} bytes, over the limit`, { column: type.path, expected: `at most ${MAX_CONTIGUOUS} bytes` })
  return total
}

function badLength(type: OrcType, ints: IntDecoder, actual: string) {
  ints.wide = undefined
  return corrupt('a value length is negative or too large to be real', { column: type.path, offset: ints.stream.offset, actual })
}

/** `total` contiguous bytes at the stream's position (fetched as needed); ORC_CORRUPT when the stream is shorter. */
async function bytes(s: OrcStream, total: number, type: OrcType): Promise<FastBuffer> {
  while (!s.need(total)) await s.load()
  if (s.end - s.pos < total) {
    throw corrupt('the value bytes end before their lengths say', { column: type.path, offset: s.offset, expected: `${total} bytes`, actual: `${s.end - s.pos} bytes` })
  }
  return asFast(s.buf)
}

function asFast(b: Uint8Array): FastBuffer {
  return (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length)) as FastBuffer
}

export interface Dictionary {
  readonly size: number
  get(i: number): string
  /** Every entry decoded (small dictionaries), else undefined. */
  readonly all: string[] | undefined
  /** Entries whose bytes are not UTF-8 (undefined: none): the inventory reader refuses rows that use them. */
  readonly notUtf8: ReadonlySet<number> | undefined
}

async function readDictionary(type: OrcType, size: number, lengthStream: OrcStream, blob: OrcStream, ctx: StripeContext): Promise<Dictionary> {
  if (size > MAX_DICTIONARY_ENTRIES) {
    throw overLimit(`a dictionary of ${size} entries is over the limit`, { column: type.path, expected: `at most ${MAX_DICTIONARY_ENTRIES}`, actual: String(size) })
  }
  const encoding = encodingOf(ctx.layout, type.id).kind
  const dec = intDecoder(lengthStream, encoding, false)
  // One array: the lengths are read into starts[1..] and summed in place.
  const starts = new Float64Array(size + 1)
  await readInts(dec, starts.subarray(1), size)
  const total = offsets(starts.subarray(1), size, starts, type, dec)
  const b = await bytes(blob, total, type)
  const base = blob.pos
  blob.pos += total
  const ascii = isAscii(b.subarray(base, base + total))
  const at = (i: number) => (ascii ? b.latin1Slice(base + starts[i], base + starts[i + 1]) : b.utf8Slice(base + starts[i], base + starts[i + 1]))
  let notUtf8: Set<number> | undefined
  if (!ascii) for (let i = 0; i < size; i++) if (!isUtf8(b.subarray(base + starts[i], base + starts[i + 1]))) (notUtf8 ??= new Set()).add(i)
  if (size <= CACHED_DICTIONARY) {
    const all = new Array<string>(size)
    for (let i = 0; i < size; i++) all[i] = at(i)
    return { size, get: (i) => all[i], all, notUtf8 }
  }
  return { size, get: at, all: undefined, notUtf8 }
}
