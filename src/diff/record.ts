/**
 * One inventory row as a diff stores it in partition files: compact bytes whose encoding of a value
 * is canonical (equal values give equal bytes, on either side and in either format), so comparing two
 * rows' fields is comparing bytes.
 *
 *   u32 length (of what follows) · u32 identity hash · varint key bytes · key (UTF-8)
 *   · varint (versionId bytes + 1, 0 = none) · versionId · varint fixed bytes · fixed fields
 *   · the side's other fields
 *
 * The identity span (key, and versionId when identity includes it) is contiguous, so the partition
 * table compares identities as bytes too. Fixed fields are the same list in the same order on both
 * sides (the compared fields, then size and storageClass for the summary); a field a side does not
 * have is stored as absent, and their byte length lets an unchanged row be recognised with one
 * comparison. Dates keep milliseconds (nanoseconds are dropped); lowercase hex strings (ETags) are
 * stored as their bytes.
 */
import { KNOWN_FIELDS } from '../schema/fields.js'
import type { InventoryRow } from '../schema/row.js'

export type Buf = Buffer & {
  utf8Slice(start: number, end: number): string
  hexSlice(start: number, end: number): string
  utf8Write(s: string, offset: number): number
}

export const T_UNDEF = 0
export const T_FALSE = 1
export const T_TRUE = 2
export const T_UINT = 3
export const T_F64 = 4
export const T_DATE = 5
export const T_DATE_F64 = 6
export const T_STR = 7
export const T_DICT = 8
export const T_BIGINT = 9
export const T_HEX = 10 // varint bytes · bytes
export const T_HEX_PART = 11 // varint bytes · bytes · varint part count (multipart ETag `<hex>-<n>`)

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
  /** Per fixed / rest field: how its strings are stored (see stringKind). */
  fixedKinds: readonly StringKind[]
  restKinds: readonly StringKind[]
}

/** Strings as text, through the dictionary (low-cardinality fields), or as bytes when they are hex (ETags). */
export type StringKind = 0 | 1 | 2
const TEXT = 0
const DICT = 1
const HEX = 2

/** Fields whose values are (nearly) unique per row stay out of the dictionary, which would only fill up with them. */
export function stringKind(name: string): StringKind {
  if (name === 'eTag') return HEX
  return name === 'key' || name === 'versionId' || name === 'lastModifiedDate' || name === 'size' ? TEXT : DICT
}

export const f64 = new Float64Array(1)
export const f64Bytes = new Uint8Array(f64.buffer)

const TYPES = new Map(KNOWN_FIELDS.map((f) => [f.name, f.type]))

type FieldWriter = (e: RecordEncoder, row: InventoryRow) => void
const writers = new Map<string, FieldWriter>()

/**
 * Writes a list of fields of a row: generated per field list so each field is a direct property
 * read (one row shape: monomorphic) and goes to the writer of the type the field has.
 */
function fieldWriter(names: readonly string[], kinds: readonly StringKind[]): FieldWriter {
  const id = JSON.stringify([names, kinds])
  let w = writers.get(id)
  if (!w) {
    const body = names
      .map((name, i) => {
        const type = TYPES.get(name)
        const get = `row[${JSON.stringify(name)}]`
        if (type === 'number') return `e.number(${get});`
        if (type === 'date') return `e.date(${get});`
        if (type === 'boolean') return `e.boolean(${get});`
        return `e.value(${get}, ${kinds[i]});`
      })
      .join('\n')
    w = new Function('e', 'row', body) as FieldWriter
    writers.set(id, w)
  }
  return w
}

/** Encodes rows of one side into a reused buffer. */
export class RecordEncoder {
  buf: Buf = Buffer.allocUnsafe(1 << 16) as Buf
  /** Identity hash of the last row encoded. */
  hash = 0
  private off = 0
  private readonly writeFixed: FieldWriter
  private readonly writeRest: FieldWriter

  constructor(
    private readonly layout: RecordLayout,
    private readonly dict: StringDict,
  ) {
    this.writeFixed = fieldWriter(layout.fixed, layout.fixedKinds)
    this.writeRest = fieldWriter(layout.rest, layout.restKinds)
  }

  /** A size: non-negative integers as a varint (anything else through value()). */
  number(v: unknown): void {
    if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v) {
      this.room(12)
      this.buf[this.off] = T_UINT
      this.off = varint(this.buf, this.off + 1, v)
    } else this.value(v, TEXT)
  }

  date(v: unknown): void {
    if (v instanceof Date) {
      const ms = v.getTime()
      if (ms >= 0 && ms <= Number.MAX_SAFE_INTEGER && Math.floor(ms) === ms) {
        this.room(12)
        this.buf[this.off] = T_DATE
        this.off = varint(this.buf, this.off + 1, ms)
        return
      }
    }
    this.value(v, TEXT)
  }

  boolean(v: unknown): void {
    if (v === true || v === false || v === undefined) {
      this.room(1)
      this.buf[this.off++] = v === undefined ? T_UNDEF : v ? T_TRUE : T_FALSE
    } else this.value(v, TEXT)
  }

  /** Encodes `row`; the record is `buf[0, end)` where end is returned. */
  encode(row: InventoryRow): number {
    const key = row.key
    const vid = row.versionId
    this.off = 8
    this.room(20 + 3 * key.length + (typeof vid === 'string' ? 3 * vid.length : 0))
    const buf = this.buf
    let off = writeIdentityString(buf, this.off, key, 0, 0x811c9dc5)
    let h = lastHash
    // An empty version id is no version id (a null version): Parquet and ORC may write '' where CSV's empty field reads as absent.
    if (typeof vid === 'string' && vid !== '') {
      // Stored as byte length + 1 (0 means no versionId).
      off = writeIdentityString(buf, off, vid, 1, Math.imul(h ^ 0xff, 0x01000193))
      if (this.layout.versioned) h = lastHash
    } else {
      buf[off++] = 0
    }
    this.hash = finish(h)
    // The fixed fields' byte length goes before them: 2 bytes are kept for it, moved when it needs more.
    const lengthAt = off
    this.off = off + 2
    this.writeFixed(this, row)
    const fixedBytes = this.off - lengthAt - 2
    const need = varintLength(fixedBytes)
    if (need !== 2) {
      this.room(3)
      this.buf.copyWithin(lengthAt + need, lengthAt + 2, this.off)
      this.off += need - 2
    }
    varint(this.buf, lengthAt, fixedBytes)
    this.writeRest(this, row)
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

  value(v: unknown, kind: StringKind): void {
    this.room(12)
    const buf = this.buf
    let off = this.off
    if (v === undefined || v === null) buf[off++] = T_UNDEF
    else if (typeof v === 'string') {
      const code = kind === DICT ? this.dict.code(v) : -1
      if (code >= 0) {
        buf[off++] = T_DICT
        off = varint(buf, off, code)
      } else if (kind === HEX && this.hex(v)) {
        return
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

  /** `<even-length lowercase hex>` or `<hex>-<n>` as bytes; false (nothing kept) for other strings. */
  private hex(s: string): boolean {
    let end = s.length
    let part = -1
    if (end % 2 !== 0 || s.charCodeAt(end - 2) === 45 || s.charCodeAt(end - 3) === 45) {
      // A multipart ETag: `-` and a part count of 1–9 digits without a leading zero.
      const dash = s.lastIndexOf('-')
      if (dash <= 0 || dash === end - 1 || end - dash - 1 > 9 || s.charCodeAt(dash + 1) === 48) return false
      part = 0
      for (let i = dash + 1; i < end; i++) {
        const d = s.charCodeAt(i) - 48
        if (d < 0 || d > 9) return false
        part = part * 10 + d
      }
      end = dash
      if (end % 2 !== 0) return false
    }
    if (end === 0) return false
    this.room(16 + end / 2)
    const buf = this.buf
    let off = this.off + 1
    off = varint(buf, off, end / 2)
    for (let i = 0; i < end; i += 2) {
      const hi = s.charCodeAt(i)
      const lo = s.charCodeAt(i + 1)
      const x = hi < 128 ? HEX_VALUE[hi] : -1
      const y = lo < 128 ? HEX_VALUE[lo] : -1
      if ((x | y) < 0) return false // the bytes written so far are left behind: this.off has not moved
      buf[off++] = (x << 4) | y
    }
    buf[this.off] = part < 0 ? T_HEX : T_HEX_PART
    if (part >= 0) off = varint(buf, off, part)
    this.off = off
    return true
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

/** Bytes of the last string writeString wrote; FNV-1a hash of the last one writeIdentityString wrote. */
let lastBytes = 0
let lastHash = 0

/**
 * writeString for the key and versionId, hashing their bytes as they go (FNV-1a from `h`): ASCII
 * strings, nearly all of them, in one plain loop; others through utf8Write.
 */
function writeIdentityString(buf: Buf, at: number, s: string, bias: number, start: number): number {
  const n = s.length
  let h = start
  if (n + bias < 0x80) {
    let o = at + 1
    let i = 0
    for (; i < n; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x80) break
      buf[o++] = c
      h = Math.imul(h ^ c, 0x01000193)
    }
    if (i === n) {
      buf[at] = n + bias
      lastBytes = n
      lastHash = h
      return o
    }
  }
  const end = writeString(buf, at, s, bias)
  lastHash = hashBytes(buf, end - lastBytes, end, start)
  return end
}

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

/** Lowercase hex digits' values, -1 for every other ASCII character (uppercase too: the text must come back as it was). */
const HEX_VALUE = new Int8Array(128).fill(-1)
for (let c = 0; c < 10; c++) HEX_VALUE[48 + c] = c
for (let c = 0; c < 6; c++) HEX_VALUE[97 + c] = 10 + c

function varint(buf: Uint8Array, off: number, n: number): number {
  if (n >= 0x10000000) {
    // Beyond 28 bits (dates in ms, sizes over 256 MiB): the low 28 bits with integer arithmetic, then the rest.
    const lo = n % 0x10000000
    buf[off] = (lo & 0x7f) | 0x80
    buf[off + 1] = ((lo >>> 7) & 0x7f) | 0x80
    buf[off + 2] = ((lo >>> 14) & 0x7f) | 0x80
    buf[off + 3] = ((lo >>> 21) & 0x7f) | 0x80
    off += 4
    n = Math.floor(n / 0x10000000)
  }
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
