/**
 * Snappy raw-format decompression (Parquet's default codec), in plain JS. Written as tight byte loops
 * over plain Uint8Arrays: ~3× faster here than the same logic with per-op subarray/copyWithin calls
 * (measured on 48 MB of inventory text: ~85 → ~270 MB/s), since Snappy ops average under 10 bytes.
 */
import { CodecError } from './codec-error.js'

const SnappyError = class extends CodecError {
  constructor(message: string) {
    super('corrupt', message)
  }
}

/**
 * `reuse`: a buffer to decompress into when it is large enough (the caller no longer needs its old
 * contents). Allocating a fresh multi-megabyte buffer per page made garbage collection the largest
 * cost of reading Parquet.
 */
export function snappyUncompress(src: Uint8Array, expectedLength?: number, reuse?: Uint8Array, max = 0x7fffffff): Buffer {
  const input = src.constructor === Uint8Array ? src : new Uint8Array(src.buffer, src.byteOffset, src.length)
  const n = input.length
  let pos = 0
  // Preamble: uncompressed length as a varint. Kept to small-integer arithmetic throughout (a single
  // double in `pos`, `o` or `length` slows every array access in the loop below ~3×).
  let length = 0
  let shift = 0
  for (;;) {
    if (pos >= n) throw new SnappyError('snappy: missing length')
    const b = input[pos++]
    if (shift > 21 && b > 0x0f) throw new SnappyError('snappy: declared length over 2 GiB')
    length |= (b & 0x7f) << shift
    if ((b & 0x80) === 0) break
    shift += 7
  }
  if (expectedLength !== undefined && length !== expectedLength) {
    throw new SnappyError(`snappy: declares ${length} bytes, page header says ${expectedLength}`)
  }
  // The declared length is checked before it sizes an allocation.
  if (length > max) throw new CodecError('limit', `snappy: declares ${length} bytes, more than the ${max} allowed`)
  const out = reuse && reuse.length >= length ? reuse.subarray(0, length) : new Uint8Array(length)
  let o = 0
  while (pos < n) {
    const tag = input[pos++]
    const kind = tag & 3
    if (kind === 0) {
      let len = tag >>> 2
      if (len >= 60) {
        const bytes = len - 59
        if (pos + bytes > n) throw new SnappyError('snappy: literal length past end')
        len = input[pos]
        if (bytes > 1) len |= input[pos + 1] << 8
        if (bytes > 2) len |= input[pos + 2] << 16
        if (bytes > 3) len |= input[pos + 3] << 24
        if (len < 0) throw new SnappyError('snappy: literal over 2 GiB')
        pos += bytes
      }
      len++
      if (pos + len > n || o + len > length) throw new SnappyError('snappy: literal past end')
      if (len > 64) {
        out.set(input.subarray(pos, pos + len), o)
        o += len
        pos += len
      } else {
        const end = pos + len
        while (pos < end) out[o++] = input[pos++]
      }
      continue
    }
    let len: number
    let offset: number
    if (kind === 1) {
      if (pos >= n) throw new SnappyError('snappy: copy past end')
      len = ((tag >>> 2) & 7) + 4
      offset = ((tag >>> 5) << 8) | input[pos++]
    } else if (kind === 2) {
      if (pos + 2 > n) throw new SnappyError('snappy: copy past end')
      len = (tag >>> 2) + 1
      offset = input[pos] | (input[pos + 1] << 8)
      pos += 2
    } else {
      if (pos + 4 > n) throw new SnappyError('snappy: copy past end')
      len = (tag >>> 2) + 1
      offset = input[pos] | (input[pos + 1] << 8) | (input[pos + 2] << 16) | (input[pos + 3] << 24)
      pos += 4
    }
    if (offset <= 0 || offset > o || o + len > length) throw new SnappyError('snappy: bad copy')
    // Byte by byte: also right when the copy overlaps its own output (offset < len repeats a pattern).
    let from = o - offset
    const end = o + len
    while (o < end) out[o++] = out[from++]
  }
  if (o !== length) throw new SnappyError(`snappy: produced ${o} of ${length} bytes`)
  return Buffer.from(out.buffer, out.byteOffset, out.length)
}
