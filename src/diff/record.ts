/**
 * One inventory row as a diff stores it in partition files: compact bytes whose encoding of a value
 * is canonical (equal values give equal bytes, on either side and in either format), so comparing two
 * rows' fields is comparing bytes.
 *
 *   u32 length (of what follows) · u32 identity hash · varint key bytes · key (UTF-8)
 *   · varint (versionId bytes + 1, 0 = none) · versionId · fixed fields · the side's other fields
 *
 * The identity span (key, and versionId when identity includes it) is contiguous, so the partition
 * table compares identities as bytes too. Fixed fields are the same list in the same order on both
 * sides (the compared fields, then size and storageClass for the summary); a field a side does not
 * have is stored as absent. Dates keep milliseconds (nanoseconds are dropped).
 */
import type { InventoryRow } from '../schema/row.js'

export type Buf = Buffer & {
  utf8Slice(start: number, end: number): string
  utf8Write(s: string, offset: number): number
}

const T_UNDEF = 0
const T_FALSE = 1
const T_TRUE = 2
const T_UINT = 3
const T_F64 = 4
const T_DATE = 5
const T_DATE_F64 = 6
const T_STR = 7
const T_DICT = 8
const T_BIGINT = 9

/** Strings of low-cardinality fields (storage class, encryption, bucket, owner, ACL…) stored once, as a number. */
export class StringDict {
  static readonly MAX_ENTRIES = 4096
  static readonly MAX_LENGTH = 512
  private readonly codes = new Map<string, number>()
  readonly values: string[] = []

  /** The string's code, or -1 once the dictionary is full (then the string is stored as text, always). */
  code(s: string): number {
    const c = this.codes.get(s)
    if (c !== undefined) return c
    if (this.values.length >= StringDict.MAX_ENTRIES || s.length > StringDict.MAX_LENGTH) return -1
    this.codes.set(s, this.values.length)
    this.values.push(s)
    return this.values.length - 1
  }
}

/** What one side's records hold, in order (see the file comment). */
export interface RecordLayout {
  /** Identity includes versionId. */
  versioned: boolean
  /** Fixed fields (same on both sides). */
  fixed: readonly string[]
  /** The side's other stored fields. */
  rest: readonly string[]
  /** Per fixed / rest field: store strings through the dictionary. */
  fixedDict: readonly boolean[]
  restDict: readonly boolean[]
}

/** Fields whose values are (nearly) unique per row: a dictionary would only fill up with them. */
const NOT_DICT = new Set(['key', 'versionId', 'eTag', 'lastModifiedDate', 'size'])
export const dictionaryField = (name: string) => !NOT_DICT.has(name)

const f64 = new Float64Array(1)
const f64Bytes = new Uint8Array(f64.buffer)

/** Encodes rows of one side into a reused buffer. */
export class RecordEncoder {
  buf: Buf = Buffer.allocUnsafe(1 << 16) as Buf
  /** Identity hash of the last row encoded. */
  hash = 0
  private off = 0

  constructor(
    private readonly layout: RecordLayout,
    private readonly dict: StringDict,
  ) {}

  /** Encodes `row`; the record is `buf[0, end)` where end is returned. */
  encode(row: InventoryRow): number {
    const key = row.key
    const vid = row.versionId
    this.off = 8
    this.room(20 + 3 * key.length + (typeof vid === 'string' ? 3 * vid.length : 0))
    const buf = this.buf
    let off = writeString(buf, this.off, key)
    const kStart = off - lastBytes
    let h = hashBytes(buf, kStart, off, 0x811c9dc5)
    if (typeof vid === 'string') {
      // Stored as byte length + 1 (0 means no versionId).
      off = writeString(buf, off, vid, 1)
      if (this.layout.versioned) h = hashBytes(buf, off - lastBytes, off, Math.imul(h ^ 0xff, 0x01000193))
    } else {
      buf[off++] = 0
    }
    this.off = off
    this.hash = finish(h)
    const { fixed, rest, fixedDict, restDict } = this.layout
    for (let i = 0; i < fixed.length; i++) this.value(row[fixed[i]], fixedDict[i])
    for (let i = 0; i < rest.length; i++) this.value(row[rest[i]], restDict[i])
    const end = this.off
    const b = this.buf
    const len = end - 4
    b[0] = len & 0xff
    b[1] = (len >>> 8) & 0xff
    b[2] = (len >>> 16) & 0xff
    b[3] = len >>> 24
    const hash = this.hash
    b[4] = hash & 0xff
    b[5] = (hash >>> 8) & 0xff
    b[6] = (hash >>> 16) & 0xff
    b[7] = hash >>> 24
    return end
  }

  private value(v: unknown, dictionary: boolean): void {
    this.room(12)
    const buf = this.buf
    let off = this.off
    if (v === undefined || v === null) buf[off++] = T_UNDEF
    else if (typeof v === 'string') {
      const code = dictionary ? this.dict.code(v) : -1
      if (code >= 0) {
        buf[off++] = T_DICT
        off = varint(buf, off, code)
      } else {
        this.off = off
        return this.text(T_STR, v)
      }
    } else if (typeof v === 'number') {
      if (Number.isSafeInteger(v) && v >= 0) {
        buf[off++] = T_UINT
        off = varint(buf, off, v)
      } else {
        buf[off++] = T_F64
        off = double(buf, off, v)
      }
    } else if (typeof v === 'boolean') buf[off++] = v ? T_TRUE : T_FALSE
    else if (v instanceof Date) {
      const ms = v.getTime()
      if (Number.isSafeInteger(ms) && ms >= 0) {
        buf[off++] = T_DATE
        off = varint(buf, off, ms)
      } else {
        buf[off++] = T_DATE_F64
        off = double(buf, off, ms)
      }
    } else if (typeof v === 'bigint') {
      this.off = off
      return this.text(T_BIGINT, v.toString())
    } else {
      // Other values (only columns this library does not know could hold them) keep their text.
      this.off = off
      return this.text(T_STR, String(v))
    }
    this.off = off
  }

  private text(tag: number, s: string): void {
    this.room(12 + 3 * s.length)
    this.buf[this.off] = tag
    this.off = writeString(this.buf, this.off + 1, s)
  }

  /** Makes room for n more bytes (rows are bounded by their strings, which are already in memory). */
  private room(n: number): void {
    if (this.off + n <= this.buf.length) return
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n)) as Buf
    this.buf.copy(bigger, 0, 0, this.off)
    this.buf = bigger
  }
}

/** Bytes of the last string writeString wrote. */
let lastBytes = 0

/**
 * varint(UTF-8 length + bias), then the UTF-8 bytes, at `at`; returns the end. The byte length is
 * known only once the bytes are written: they go after the prefix an ASCII string would need (the
 * common case) and move when the prefix turns out longer. The caller made room for 5 + 3 × s.length.
 */
function writeString(buf: Buf, at: number, s: string, bias = 0): number {
  const gap = varintLength(s.length + bias)
  const n = buf.utf8Write(s, at + gap)
  const need = varintLength(n + bias)
  if (need !== gap) buf.copyWithin(at + need, at + gap, at + gap + n)
  varint(buf, at, n + bias)
  lastBytes = n
  return at + need + n
}

function varintLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5
}

function varint(buf: Uint8Array, off: number, n: number): number {
  while (n > 0x7f) {
    buf[off++] = (n % 128) | 128
    n = Math.floor(n / 128)
  }
  buf[off++] = n
  return off
}

function double(buf: Uint8Array, off: number, v: number): number {
  f64[0] = v
  for (let i = 0; i < 8; i++) buf[off + i] = f64Bytes[i]
  return off + 8
}

/** FNV-1a over bytes, continuing from `h`. */
function hashBytes(buf: Uint8Array, start: number, end: number, h: number): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193)
  return h
}

/** Murmur3's finalizer: every input bit reaches the top bits, which pick the partition. */
function finish(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Reads records; `pos` is the cursor the read functions move. */
export class RecordReader {
  pos = 0
  constructor(
    readonly buf: Buf,
    private readonly dict: StringDict,
  ) {}

  varint(): number {
    const buf = this.buf
    let n = 0
    let mul = 1
    let b: number
    do {
      b = buf[this.pos++]
      n += (b & 127) * mul
      mul *= 128
    } while (b & 128)
    return n
  }

  /** Skips one value. */
  skip(): void {
    const tag = this.buf[this.pos++]
    if (tag === T_UINT || tag === T_DATE || tag === T_DICT) this.varint()
    else if (tag === T_F64 || tag === T_DATE_F64) this.pos += 8
    else if (tag === T_STR || tag === T_BIGINT) {
      const n = this.varint() // (not `pos += varint()`: that would add to pos as it was before the varint)
      this.pos += n
    }
  }

  value(): unknown {
    const buf = this.buf
    const tag = buf[this.pos++]
    switch (tag) {
      case T_UNDEF:
        return undefined
      case T_FALSE:
        return false
      case T_TRUE:
        return true
      case T_UINT:
        return this.varint()
      case T_F64:
        return this.double()
      case T_DATE:
        return new Date(this.varint())
      case T_DATE_F64:
        return new Date(this.double())
      case T_DICT:
        return this.dict.values[this.varint()]
      case T_STR:
      case T_BIGINT: {
        const n = this.varint()
        const s = buf.utf8Slice(this.pos, this.pos + n)
        this.pos += n
        return tag === T_STR ? s : BigInt(s)
      }
      default:
        throw new RangeError(`unknown value tag ${tag}`)
    }
  }

  private double(): number {
    for (let i = 0; i < 8; i++) f64Bytes[i] = this.buf[this.pos + i]
    this.pos += 8
    return f64[0]
  }
}

/** A record's parts, as offsets into its buffer. */
export interface RecordSpans {
  /** Identity span: from the key's length through the key (and versionId, when identity has it). */
  idStart: number
  idEnd: number
  keyStart: number
  keyEnd: number
  /** -1 when the row has no versionId. */
  vidStart: number
  vidEnd: number
  /** First fixed field. */
  fixed: number
}

/** The spans of the record at `at` (its length prefix). */
export function spans(r: RecordReader, at: number, versioned: boolean, out: RecordSpans): RecordSpans {
  r.pos = at + 8
  out.idStart = r.pos
  const kLen = r.varint()
  out.keyStart = r.pos
  out.keyEnd = r.pos + kLen
  r.pos = out.keyEnd
  const v = r.varint()
  if (v === 0) {
    out.vidStart = out.vidEnd = -1
  } else {
    out.vidStart = r.pos
    out.vidEnd = r.pos + v - 1
    r.pos = out.vidEnd
  }
  out.idEnd = versioned ? r.pos : out.keyEnd
  out.fixed = r.pos
  return out
}

export const newSpans = (): RecordSpans => ({ idStart: 0, idEnd: 0, keyStart: 0, keyEnd: 0, vidStart: -1, vidEnd: -1, fixed: 0 })

/** u32 little-endian at `at`. */
export function u32(buf: Uint8Array, at: number): number {
  return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0
}
