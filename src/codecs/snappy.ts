/** Snappy raw-format decompression (Parquet's default codec), in plain JS. */
export class SnappyError extends Error {}

export function snappyUncompress(input: Uint8Array, expectedLength?: number): Buffer {
  let pos = 0
  // Preamble: uncompressed length as a varint.
  let length = 0
  let shift = 0
  for (;;) {
    if (pos >= input.length) throw new SnappyError('snappy: missing length')
    const b = input[pos++]
    length += (b & 0x7f) * 2 ** shift
    if ((b & 0x80) === 0) break
    shift += 7
    if (shift > 35) throw new SnappyError('snappy: length varint too long')
  }
  if (expectedLength !== undefined && length !== expectedLength) {
    throw new SnappyError(`snappy: declares ${length} bytes, page header says ${expectedLength}`)
  }
  const out = Buffer.allocUnsafe(length)
  let o = 0
  const n = input.length
  while (pos < n) {
    const tag = input[pos++]
    const kind = tag & 3
    if (kind === 0) {
      let len = tag >>> 2
      if (len >= 60) {
        const bytes = len - 59
        if (pos + bytes > n) throw new SnappyError('snappy: literal length past end')
        len = input[pos] | (bytes > 1 ? input[pos + 1] << 8 : 0) | (bytes > 2 ? input[pos + 2] << 16 : 0) | (bytes > 3 ? input[pos + 3] * 0x1000000 : 0)
        pos += bytes
      }
      len += 1
      if (pos + len > n || o + len > length) throw new SnappyError('snappy: literal past end')
      if (len < 16) {
        for (let i = 0; i < len; i++) out[o + i] = input[pos + i]
      } else {
        out.set(input.subarray(pos, pos + len), o)
      }
      pos += len
      o += len
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
      offset = (input[pos] | (input[pos + 1] << 8) | (input[pos + 2] << 16)) + input[pos + 3] * 0x1000000
      pos += 4
    }
    if (offset === 0 || offset > o || o + len > length) throw new SnappyError('snappy: bad copy')
    const from = o - offset
    if (offset >= len) {
      if (len < 16) for (let i = 0; i < len; i++) out[o + i] = out[from + i]
      else out.copyWithin(o, from, from + len)
    } else {
      // Overlapping copy repeats the last `offset` bytes.
      for (let i = 0; i < len; i++) out[o + i] = out[from + i]
    }
    o += len
  }
  if (o !== length) throw new SnappyError(`snappy: produced ${o} of ${length} bytes`)
  return out
}
