/**
 * The DELTA encodings: DELTA_BINARY_PACKED (INT32 modulo 2^32, INT64 as bigints modulo 2^64),
 * DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY. Loops stop after the values the page needs; headers
 * are checked against the spec's rules and PARQUET_LIMITS before anything is sized from them.
 */
import { EncodingError, varint, type Physical, type Reader } from './encoding.js'
import { LimitError, PARQUET_LIMITS } from './limits.js'

const zigzag = (n: number) => (n % 2 === 0 ? n / 2 : -(n + 1) / 2)
const zigzagBig = (n: bigint) => (n >> 1n) ^ -(n & 1n)

function varintBig(r: Reader): bigint {
  let result = 0n
  let shift = 0n
  for (;;) {
    if (r.pos >= r.end) throw new EncodingError('varint past end of page')
    const b = r.buf[r.pos++]
    result |= BigInt(b & 0x7f) << shift
    if ((b & 0x80) === 0) return result
    shift += 7n
    if (shift > 70n) throw new EncodingError('varint too long')
  }
}

/**
 * The DELTA_BINARY_PACKED header, checked: a block size that is a multiple of 128 split into
 * miniblocks of a multiple of 32 values (the spec's rule), no larger than a documented limit, and a
 * total that holds at least the `count` values the page needs.
 */
function deltaHeader(r: Reader, count: number): { blockSize: number; miniblocks: number; perMini: number; total: number } {
  const blockSize = varint(r)
  const miniblocks = varint(r)
  const total = varint(r)
  if (blockSize === 0 || blockSize % 128 !== 0 || blockSize > PARQUET_LIMITS.deltaBlockValues) throw new EncodingError(`DELTA_BINARY_PACKED block size ${blockSize} is not a multiple of 128 up to ${PARQUET_LIMITS.deltaBlockValues}`)
  if (miniblocks === 0 || blockSize % miniblocks !== 0 || (blockSize / miniblocks) % 32 !== 0) throw new EncodingError(`DELTA_BINARY_PACKED block of ${blockSize} values cannot have ${miniblocks} miniblocks`)
  if (total < count) throw new EncodingError(`DELTA_BINARY_PACKED holds ${total} values where the page has ${count}`)
  return { blockSize, miniblocks, perMini: blockSize / miniblocks, total }
}

/**
 * Walks the miniblocks of one DELTA_BINARY_PACKED run, calling `each(width, at, values)` for each
 * miniblock that holds some of the first `count` values (their packed bits start at byte `at`).
 * Stops after `count` values; the reader is left after the run's last block (padding included),
 * where DELTA_LENGTH_BYTE_ARRAY's data begins.
 */
function deltaBlocks(r: Reader, count: number, total: number, miniblocks: number, perMini: number, maxWidth: number, block: (r: Reader) => void, each: (width: number, at: number, values: number) => void): void {
  let n = 1
  const stop = Math.min(total, count)
  while (n < total) {
    block(r)
    if (r.pos + miniblocks > r.end) throw new EncodingError('DELTA_BINARY_PACKED bit widths past end of page')
    const widthsAt = r.pos
    r.pos += miniblocks
    for (let m = 0; m < miniblocks && n < total; m++) {
      const w = r.buf[widthsAt + m]
      if (w > maxWidth) throw new EncodingError(`DELTA_BINARY_PACKED bit width ${w} is over ${maxWidth}`)
      const used = Math.min(perMini, total - n)
      const full = (perMini * w) / 8
      // The values' bits must be there; the padding of the run's last miniblock may be cut.
      if (r.pos + Math.ceil((used * w) / 8) > r.end) throw new EncodingError('DELTA_BINARY_PACKED miniblock past end of page')
      if (n < stop) each(w, r.pos, Math.min(used, stop - n))
      r.pos = Math.min(r.end, r.pos + full)
      n += used
    }
  }
}

export function deltaInt32(r: Reader, count: number): Int32Array {
  const { miniblocks, perMini, total } = deltaHeader(r, count)
  const out = new Int32Array(count)
  let value = zigzag(varint(r)) | 0
  if (count > 0) out[0] = value
  let n = 1
  let minDelta = 0
  const buf = r.buf
  deltaBlocks(r, count, total, miniblocks, perMini, 32, (rr) => (minDelta = zigzag(varint(rr)) | 0), (w, at, values) => {
    let bitPos = 0
    for (let k = 0; k < values; k++) {
      let d = 0
      for (let b = 0; b < w; b++) {
        const bit = bitPos + b
        if ((buf[at + (bit >> 3)] >> (bit & 7)) & 1) d += 2 ** b
      }
      bitPos += w
      // Arithmetic modulo 2^32, as writers compute it.
      value = (value + minDelta + (d | 0)) | 0
      out[n++] = value
    }
  })
  return out
}

export function deltaInt64(r: Reader, count: number): BigInt64Array {
  const { miniblocks, perMini, total } = deltaHeader(r, count)
  const out = new BigInt64Array(count)
  let value = BigInt.asIntN(64, zigzagBig(varintBig(r)))
  if (count > 0) out[0] = value
  let n = 1
  let minDelta = 0n
  const buf = r.buf
  deltaBlocks(r, count, total, miniblocks, perMini, 64, (rr) => (minDelta = zigzagBig(varintBig(rr))), (w, at, values) => {
    let bitPos = 0
    for (let k = 0; k < values; k++) {
      let d = 0n
      for (let b = 0; b < w; b++) {
        const bit = bitPos + b
        if ((buf[at + (bit >> 3)] >> (bit & 7)) & 1) d |= 1n << BigInt(b)
      }
      bitPos += w
      value = BigInt.asIntN(64, value + minDelta + d)
      out[n++] = value
    }
  })
  return out
}

export function deltaLengthByteArray(r: Reader, count: number): Physical {
  const lengths = deltaInt32(r, count)
  const starts = new Int32Array(count)
  const ends = new Int32Array(count)
  let p = r.pos
  for (let i = 0; i < count; i++) {
    const len = lengths[i]
    if (len < 0 || p + len > r.end) throw new EncodingError('DELTA_LENGTH_BYTE_ARRAY value past end of page')
    starts[i] = p
    ends[i] = p + len
    p += len
  }
  r.pos = p
  return { kind: 'bytes', buf: r.buf, starts, ends }
}

/** Prefix lengths and suffixes: the values are rebuilt into one buffer whose size is checked first. */
export function deltaByteArray(r: Reader, count: number): Physical {
  const prefixes = deltaInt32(r, count)
  const suffixes = deltaLengthByteArray(r, count) as Extract<Physical, { kind: 'bytes' }>
  let total = 0
  let prev = 0
  for (let i = 0; i < count; i++) {
    const p = prefixes[i]
    if (p < 0 || p > prev) throw new EncodingError('DELTA_BYTE_ARRAY prefix longer than the previous value')
    prev = p + suffixes.ends[i] - suffixes.starts[i]
    total += prev
    if (total > PARQUET_LIMITS.pageBytes) throw new LimitError(`DELTA_BYTE_ARRAY values take more than ${PARQUET_LIMITS.pageBytes} bytes`)
  }
  const buf = Buffer.allocUnsafe(total)
  const starts = new Int32Array(count)
  const ends = new Int32Array(count)
  let o = 0
  let prevStart = 0
  for (let i = 0; i < count; i++) {
    const p = prefixes[i]
    buf.copy(buf, o, prevStart, prevStart + p)
    r.buf.copy(buf, o + p, suffixes.starts[i], suffixes.ends[i])
    starts[i] = o
    prevStart = o
    o += p + suffixes.ends[i] - suffixes.starts[i]
    ends[i] = o
  }
  return { kind: 'bytes', buf, starts, ends }
}

