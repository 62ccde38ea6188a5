/**
 * Parquet value encodings → physical values in typed arrays (no JS object per value): PLAIN, the
 * RLE/bit-packed hybrid (levels, dictionary indices, booleans), BYTE_STREAM_SPLIT, and the DELTA
 * encodings (delta.ts). Every loop is bounded by the count
 * of values asked for (which pages.ts has checked against the row group) and by the page's bytes;
 * every allocation is checked against both first.
 */
import { Encoding, ENCODING_NAMES, PHYSICAL_NAMES, PhysicalType } from './metadata.js'
import { deltaByteArray, deltaInt32, deltaInt64, deltaLengthByteArray } from './delta.js'

/** Bytes that are not what their encoding says. `unsupported`: a valid encoding this reader does not decode (names it). */
export class EncodingError extends Error {
  constructor(
    message: string,
    readonly unsupported?: string,
  ) {
    super(message)
  }
}

export interface Reader {
  buf: Buffer
  pos: number
  end: number
}

/** A page's non-null values, by physical type. BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY and INT96: spans of `buf`. */
export type Physical =
  | { kind: 'int32'; values: Int32Array }
  | { kind: 'int64'; values: BigInt64Array }
  | { kind: 'float'; values: Float32Array }
  | { kind: 'double'; values: Float64Array }
  | { kind: 'boolean'; values: Uint8Array }
  | { kind: 'bytes'; buf: Buffer; starts: Int32Array; ends: Int32Array }

export function varint(r: Reader): number {
  // Small-integer arithmetic while it fits (a double here would make the callers' loops slower).
  let result = 0
  let shift = 0
  for (;;) {
    if (r.pos >= r.end) throw new EncodingError('varint past end of page')
    const b = r.buf[r.pos++]
    if (shift < 28) result |= (b & 0x7f) << shift
    else result += (b & 0x7f) * 2 ** shift
    if ((b & 0x80) === 0) return result
    shift += 7
    if (shift > 63) throw new EncodingError('varint too long')
  }
}


/**
 * RLE / bit-packed hybrid (definition levels, dictionary indices, RLE booleans): `count` values of
 * `bitWidth` bits into `out`. Each run consumes at least its header byte, so the loop ends with the bytes.
 */
export function readHybrid(r: Reader, bitWidth: number, count: number, out: Int32Array | Uint8Array): void {
  if (bitWidth > 32) throw new EncodingError(`bit width ${bitWidth} too large`)
  let n = 0
  const byteWidth = (bitWidth + 7) >> 3
  const mask = bitWidth === 32 ? 0xffffffff : (1 << bitWidth) - 1
  while (n < count) {
    const header = varint(r)
    if ((header & 1) === 0) {
      // RLE run: one value repeated.
      const run = header >>> 1
      if (r.pos + byteWidth > r.end) throw new EncodingError('RLE value past end of page')
      let v = 0
      for (let i = 0; i < byteWidth; i++) v += r.buf[r.pos + i] * 2 ** (8 * i)
      r.pos += byteWidth
      const stop = Math.min(count, n + run)
      for (; n < stop; n++) out[n] = v
    } else {
      // Bit-packed groups of 8 values, least significant bit first.
      const values = (header >>> 1) << 3
      const bytes = (values * bitWidth) >>> 3
      // The last group of a page may be cut short; read what is there.
      if (bytes > 0 && r.pos >= r.end) throw new EncodingError('bit-packed run past end of page')
      const stop = Math.min(count, n + values)
      let bitPos = 0
      const base = r.pos
      const end = r.end
      const buf = r.buf
      for (; n < stop; n++) {
        const byte = base + (bitPos >> 3)
        const shift = bitPos & 7
        // Up to 5 bytes cover any value of <= 32 bits at any bit offset.
        let v = (byte < end ? buf[byte] : 0) >>> shift
        let have = 8 - shift
        let k = 1
        while (have < bitWidth) {
          v += (byte + k < end ? buf[byte + k] : 0) * 2 ** have
          have += 8
          k++
        }
        out[n] = bitWidth === 32 ? v % 4294967296 : v & mask
        bitPos += bitWidth
      }
      r.pos = Math.min(end, base + bytes)
    }
  }
}

/** Bit width needed for values up to `max`. */
export function bitWidthOf(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max)
}

/** A little-endian int32 length prefix. */
export function int32(r: Reader): number {
  if (r.pos + 4 > r.end) throw new EncodingError('length past end of page')
  const v = r.buf.readInt32LE(r.pos)
  r.pos += 4
  return v
}

/** Fixed width in bytes of a physical type's PLAIN values (BYTE_ARRAY: its length prefix; BOOLEAN: 0, a bit). */
function plainWidth(type: number, typeLength: number | undefined): number {
  switch (type) {
    case PhysicalType.INT32:
    case PhysicalType.FLOAT:
    case PhysicalType.BYTE_ARRAY:
      return 4
    case PhysicalType.INT64:
    case PhysicalType.DOUBLE:
      return 8
    case PhysicalType.INT96:
      return 12
    case PhysicalType.FIXED_LEN_BYTE_ARRAY:
      return typeLength ?? 0
    default:
      return 0
  }
}

/** The fewest bytes `count` PLAIN values can take: a count the page cannot hold is corrupt before anything is allocated. */
export function checkPlainCount(r: Reader, type: number, count: number, typeLength: number | undefined): void {
  const w = plainWidth(type, typeLength)
  const need = type === PhysicalType.BOOLEAN ? Math.ceil(count / 8) : w * count
  if (need > r.end - r.pos) throw new EncodingError(`${count} ${PHYSICAL_NAMES[type] ?? type} values do not fit in the page's ${r.end - r.pos} bytes`)
}

/** A copy of `n` bytes at `p`, 8-byte aligned for typed-array views. */
function aligned(buf: Buffer, p: number, n: number): ArrayBuffer {
  const out = new ArrayBuffer(n)
  new Uint8Array(out).set(buf.subarray(p, p + n))
  return out
}

/** Decodes `count` non-null values of a physical type with the given encoding. */
export function decodeValues(r: Reader, type: number, encoding: number, count: number, typeLength: number | undefined): Physical {
  switch (encoding) {
    case Encoding.PLAIN:
      return decodePlain(r, type, count, typeLength)
    case Encoding.RLE: {
      if (type !== PhysicalType.BOOLEAN) break
      const len = int32(r)
      if (len < 0 || len > r.end - r.pos) throw new EncodingError('RLE booleans run past the end of the page')
      const values = new Uint8Array(count)
      readHybrid({ buf: r.buf, pos: r.pos, end: r.pos + len }, 1, count, values)
      r.pos += len
      return { kind: 'boolean', values }
    }
    case Encoding.DELTA_BINARY_PACKED:
      if (type === PhysicalType.INT32) return { kind: 'int32', values: deltaInt32(r, count) }
      if (type === PhysicalType.INT64) return { kind: 'int64', values: deltaInt64(r, count) }
      break
    case Encoding.DELTA_LENGTH_BYTE_ARRAY:
      if (type === PhysicalType.BYTE_ARRAY) return deltaLengthByteArray(r, count)
      break
    case Encoding.DELTA_BYTE_ARRAY:
      if (type === PhysicalType.BYTE_ARRAY || type === PhysicalType.FIXED_LEN_BYTE_ARRAY) return deltaByteArray(r, count)
      break
    case Encoding.BYTE_STREAM_SPLIT:
      if (type === PhysicalType.FLOAT || type === PhysicalType.DOUBLE || type === PhysicalType.INT32 || type === PhysicalType.INT64 || type === PhysicalType.FIXED_LEN_BYTE_ARRAY) {
        return byteStreamSplit(r, type, count, typeLength)
      }
      break
    case Encoding.PLAIN_DICTIONARY:
    case Encoding.RLE_DICTIONARY:
      // Pages with a dictionary are expanded by pages.ts (as ids); one here has none.
      throw new EncodingError('dictionary-encoded page without a dictionary page')
    default: {
      const name = ENCODING_NAMES[encoding] ?? `encoding ${encoding}`
      throw new EncodingError(`${name} is not a value encoding this reader knows`, name)
    }
  }
  const name = ENCODING_NAMES[encoding]
  throw new EncodingError(`${name} is not defined for ${PHYSICAL_NAMES[type] ?? type} values`, `${name} for ${PHYSICAL_NAMES[type] ?? type}`)
}

export function decodePlain(r: Reader, type: number, count: number, typeLength: number | undefined): Physical {
  checkPlainCount(r, type, count, typeLength)
  const buf = r.buf
  const p = r.pos
  switch (type) {
    case PhysicalType.BYTE_ARRAY: {
      const starts = new Int32Array(count)
      const ends = new Int32Array(count)
      const end = r.end
      let q = p
      for (let i = 0; i < count; i++) {
        if (q + 4 > end) throw new EncodingError('byte array length past end of page')
        const len = buf[q] | (buf[q + 1] << 8) | (buf[q + 2] << 16) | (buf[q + 3] << 24)
        q += 4
        if (len < 0 || q + len > end) throw new EncodingError('byte array past end of page')
        starts[i] = q
        ends[i] = q + len
        q += len
      }
      r.pos = q
      return { kind: 'bytes', buf, starts, ends }
    }
    case PhysicalType.FIXED_LEN_BYTE_ARRAY:
    case PhysicalType.INT96: {
      const w = type === PhysicalType.INT96 ? 12 : (typeLength ?? 0)
      if (w <= 0) throw new EncodingError('FIXED_LEN_BYTE_ARRAY column without a valid type_length')
      const starts = new Int32Array(count)
      const ends = new Int32Array(count)
      for (let i = 0; i < count; i++) {
        starts[i] = p + w * i
        ends[i] = p + w * (i + 1)
      }
      r.pos = p + w * count
      return { kind: 'bytes', buf, starts, ends }
    }
    case PhysicalType.INT32:
      r.pos = p + 4 * count
      return { kind: 'int32', values: new Int32Array(aligned(buf, p, 4 * count)) }
    case PhysicalType.INT64:
      r.pos = p + 8 * count
      return { kind: 'int64', values: new BigInt64Array(aligned(buf, p, 8 * count)) }
    case PhysicalType.FLOAT:
      r.pos = p + 4 * count
      return { kind: 'float', values: new Float32Array(aligned(buf, p, 4 * count)) }
    case PhysicalType.DOUBLE:
      r.pos = p + 8 * count
      return { kind: 'double', values: new Float64Array(aligned(buf, p, 8 * count)) }
    case PhysicalType.BOOLEAN: {
      const values = new Uint8Array(count)
      for (let i = 0; i < count; i++) values[i] = (buf[p + (i >> 3)] >> (i & 7)) & 1
      r.pos = p + Math.ceil(count / 8)
      return { kind: 'boolean', values }
    }
    default:
      throw new EncodingError(`unknown physical type ${type}`)
  }
}

/** PLAIN INT64 straight into doubles (exact below 2^53: sizes, millisecond timestamps) without a BigInt per value. */
export function plainInt64AsNumbers(r: Reader, count: number): Float64Array {
  checkPlainCount(r, PhysicalType.INT64, count, undefined)
  const dense = new Float64Array(count)
  const buf = r.buf
  let p = r.pos
  for (let i = 0; i < count; i++) {
    const lo = (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16)) + buf[p + 3] * 0x1000000
    const hi = buf[p + 4] | (buf[p + 5] << 8) | (buf[p + 6] << 16) | (buf[p + 7] << 24)
    dense[i] = hi * 4294967296 + lo
    p += 8
  }
  r.pos = p
  return dense
}

/** PLAIN INT32 into doubles (the inventory path's numbers). */
export function plainInt32AsNumbers(r: Reader, count: number): Float64Array {
  checkPlainCount(r, PhysicalType.INT32, count, undefined)
  const dense = new Float64Array(count)
  const buf = r.buf
  let p = r.pos
  for (let i = 0; i < count; i++) {
    dense[i] = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)
    p += 4
  }
  r.pos = p
  return dense
}

/** BYTE_STREAM_SPLIT: byte k of every value, then byte k+1…; regathered into PLAIN order. */
function byteStreamSplit(r: Reader, type: number, count: number, typeLength: number | undefined): Physical {
  const w = type === PhysicalType.FIXED_LEN_BYTE_ARRAY ? (typeLength ?? 0) : plainWidth(type, undefined)
  if (w <= 0) throw new EncodingError('BYTE_STREAM_SPLIT column without a valid type_length')
  // K streams of N bytes each, N being the page's non-null values.
  if (w * count > r.end - r.pos) throw new EncodingError(`${count} BYTE_STREAM_SPLIT values do not fit in the page`)
  const stride = count
  const out = Buffer.allocUnsafe(w * count)
  const src = r.buf
  const base = r.pos
  for (let k = 0; k < w; k++) {
    const s = base + k * stride
    for (let i = 0; i < count; i++) out[i * w + k] = src[s + i]
  }
  r.pos = base + w * stride
  return decodePlain({ buf: out, pos: 0, end: out.length }, type, count, typeLength)
}
