/**
 * Parquet value encodings, decoded into plain JS arrays: PLAIN, dictionary indices (RLE/bit-packed
 * hybrid), RLE booleans, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY.
 * INT64 becomes a number (exact below 2^53: sizes and millisecond timestamps), BYTE_ARRAY a UTF-8 string.
 */
import type { FastBuffer } from '../../codecs/buffers.js'
import { isAscii } from 'node:buffer'
import { Encoding, PhysicalType } from './metadata.js'
import { zigzag32 } from './thrift.js'


export class EncodingError extends Error {}

export interface Reader {
  buf: Buffer
  pos: number
  end: number
}

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
 * `bitWidth` bits into `out` (Int32Array or number[]).
 */
export function readHybrid(r: Reader, bitWidth: number, count: number, out: Int32Array | number[]): void {
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
      if (r.pos + bytes > r.end) {
        // The last group of a page may be cut short; read what is there.
        if (r.pos >= r.end) throw new EncodingError('bit-packed run past end of page')
      }
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

/** Decodes `count` non-null values of a physical type with the given encoding. */
export function decodeValues(
  r: Reader,
  type: number,
  encoding: number,
  count: number,
  typeLength: number | undefined,
): unknown[] {
  // Pages with a dictionary are expanded by the column reader (as ids); one here has none.
  if (encoding === Encoding.PLAIN_DICTIONARY || encoding === Encoding.RLE_DICTIONARY) throw new EncodingError('dictionary-encoded page without a dictionary page')
  switch (encoding) {
    case Encoding.PLAIN:
      return decodePlain(r, type, count, typeLength)
    case Encoding.RLE: {
      if (type !== PhysicalType.BOOLEAN) throw new EncodingError('RLE values are only defined for booleans')
      const len = int32(r)
      const sub: Reader = { buf: r.buf, pos: r.pos, end: Math.min(r.end, r.pos + len) }
      const bits = new Int32Array(count)
      readHybrid(sub, 1, count, bits)
      r.pos += len
      const out: unknown[] = new Array(count)
      for (let i = 0; i < count; i++) out[i] = bits[i] === 1
      return out
    }
    case Encoding.DELTA_BINARY_PACKED:
      return deltaBinaryPacked(r, count)
    case Encoding.DELTA_LENGTH_BYTE_ARRAY: {
      const lengths = deltaBinaryPacked(r, count)
      const out: unknown[] = new Array(count)
      for (let i = 0; i < count; i++) {
        const len = lengths[i]
        if (len < 0 || r.pos + len > r.end) throw new EncodingError('byte array past end of page')
        out[i] = r.buf.toString('utf8', r.pos, r.pos + len)
        r.pos += len
      }
      return out
    }
    case Encoding.DELTA_BYTE_ARRAY: {
      const prefixes = deltaBinaryPacked(r, count)
      const suffixes = deltaBinaryPacked(r, count)
      const out: unknown[] = new Array(count)
      let prev = Buffer.alloc(0)
      for (let i = 0; i < count; i++) {
        const p = prefixes[i]
        const s = suffixes[i]
        if (p < 0 || p > prev.length || s < 0 || r.pos + s > r.end) throw new EncodingError('DELTA_BYTE_ARRAY value past end of page')
        const v = Buffer.allocUnsafe(p + s)
        prev.copy(v, 0, 0, p)
        r.buf.copy(v, p, r.pos, r.pos + s)
        r.pos += s
        out[i] = v.toString('utf8')
        prev = v
      }
      return out
    }
    default:
      throw new EncodingError(`unsupported encoding ${encoding}`)
  }
}

/** A little-endian int32 length prefix. */
export function int32(r: Reader): number {
  if (r.pos + 4 > r.end) throw new EncodingError('length past end of page')
  const v = r.buf.readInt32LE(r.pos)
  r.pos += 4
  return v
}

export function decodePlain(r: Reader, type: number, count: number, typeLength: number | undefined): unknown[] {
  const out: unknown[] = new Array(count)
  const buf = r.buf
  let p = r.pos
  const end = r.end
  switch (type) {
    case PhysicalType.BYTE_ARRAY: {
      // One check per page: ASCII text (the usual case) takes the cheaper latin1 decode.
      const b = buf as FastBuffer
      const ascii = isAscii(buf.subarray(p, end))
      for (let i = 0; i < count; i++) {
        if (p + 4 > end) throw new EncodingError('byte array length past end of page')
        const len = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)
        p += 4
        if (len < 0 || p + len > end) throw new EncodingError('byte array past end of page')
        out[i] = ascii ? b.latin1Slice(p, p + len) : b.utf8Slice(p, p + len)
        p += len
      }
      break
    }
    case PhysicalType.INT64:
      if (p + 8 * count > end) throw new EncodingError('INT64 values past end of page')
      for (let i = 0; i < count; i++) {
        const lo = (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16)) + buf[p + 3] * 0x1000000
        const hi = buf[p + 4] | (buf[p + 5] << 8) | (buf[p + 6] << 16) | (buf[p + 7] << 24)
        out[i] = hi * 4294967296 + lo
        p += 8
      }
      break
    case PhysicalType.INT32:
      if (p + 4 * count > end) throw new EncodingError('INT32 values past end of page')
      for (let i = 0; i < count; i++) {
        out[i] = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)
        p += 4
      }
      break
    case PhysicalType.BOOLEAN:
      if (p + Math.ceil(count / 8) > end) throw new EncodingError('BOOLEAN values past end of page')
      for (let i = 0; i < count; i++) out[i] = ((buf[p + (i >> 3)] >> (i & 7)) & 1) === 1
      p += Math.ceil(count / 8)
      break
    case PhysicalType.INT96:
      if (p + 12 * count > end) throw new EncodingError('INT96 values past end of page')
      for (let i = 0; i < count; i++) {
        // Legacy Impala/Hive timestamps: nanoseconds of day (int64) + Julian day (int32), as epoch ms.
        const nanosLo = buf.readUInt32LE(p)
        const nanosHi = buf.readUInt32LE(p + 4)
        const day = buf.readInt32LE(p + 8)
        out[i] = (day - 2440588) * 86_400_000 + Math.floor((nanosHi * 4294967296 + nanosLo) / 1e6)
        p += 12
      }
      break
    case PhysicalType.DOUBLE:
      if (p + 8 * count > end) throw new EncodingError('DOUBLE values past end of page')
      for (let i = 0; i < count; i++) out[i] = buf.readDoubleLE(p + 8 * i)
      p += 8 * count
      break
    case PhysicalType.FLOAT:
      if (p + 4 * count > end) throw new EncodingError('FLOAT values past end of page')
      for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(p + 4 * i)
      p += 4 * count
      break
    case PhysicalType.FIXED_LEN_BYTE_ARRAY: {
      const len = typeLength ?? 0
      if (p + len * count > end) throw new EncodingError('FIXED_LEN_BYTE_ARRAY values past end of page')
      for (let i = 0; i < count; i++) out[i] = buf.toString('hex', p + len * i, p + len * (i + 1))
      p += len * count
      break
    }
    default:
      throw new EncodingError(`unknown physical type ${type}`)
  }
  r.pos = p
  return out
}

/** DELTA_BINARY_PACKED as numbers (exact below 2^53). */
function deltaBinaryPacked(r: Reader, count: number): number[] {
  const blockSize = varint(r)
  const miniblocks = varint(r)
  const total = varint(r)
  let value = zigzag32(varint(r))
  if (blockSize === 0 || miniblocks === 0 || blockSize % miniblocks !== 0) throw new EncodingError('bad DELTA_BINARY_PACKED header')
  const perMini = blockSize / miniblocks
  const out: number[] = new Array(Math.min(count, total))
  if (out.length === 0) return out
  out[0] = value
  let n = 1
  while (n < total) {
    const minDelta = zigzag32(varint(r))
    if (r.pos + miniblocks > r.end) throw new EncodingError('DELTA_BINARY_PACKED past end of page')
    const widths = r.buf.subarray(r.pos, r.pos + miniblocks)
    r.pos += miniblocks
    for (let m = 0; m < miniblocks && n < total; m++) {
      const w = widths[m]
      const bytes = (perMini * w) / 8
      let bitPos = 0
      for (let k = 0; k < perMini; k++) {
        // Widths up to 64 bits, read as a double (exact below 2^53).
        let d = 0
        for (let b = 0; b < w; b++) {
          const byte = r.pos + ((bitPos + b) >> 3)
          if (byte >= r.end) break
          if ((r.buf[byte] >> ((bitPos + b) & 7)) & 1) d += 2 ** b
        }
        bitPos += w
        if (n < total) {
          value += minDelta + d
          if (n < out.length) out[n] = value
          n++
        }
      }
      r.pos += bytes
    }
  }
  return out
}
