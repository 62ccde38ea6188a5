/**
 * Block decompression for the columnar formats (Parquet pages, ORC compression chunks), every codec
 * behind one function and one cap: the output may never exceed `max` bytes, and nothing is
 * allocated from a size read from the input before that size is checked against the cap. Codec
 * failures are CodecErrors (`reason` says which kind); each format maps them to its error codes once
 * (see codecFailure).
 */
import { brotliDecompressSync, constants, createInflateRaw, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib'
import { Decompress as ZstdStream } from 'fzstd'
import { CodecError } from './codec-error.js'
import { snappyUncompress } from './snappy.js'

export { CodecError, type CodecFailure } from './codec-error.js'

/** The codecs both formats use, by what the bytes are (not by each format's enum). */
export type CodecName =
  | 'UNCOMPRESSED'
  | 'SNAPPY' // raw Snappy block
  | 'GZIP' // gzip, one or more members
  | 'ZLIB' // zlib-wrapped deflate
  | 'DEFLATE' // raw deflate (ORC's "ZLIB")
  | 'BROTLI'
  | 'LZ4_RAW' // one LZ4 block (Parquet LZ4_RAW, ORC LZ4)
  | 'LZ4_HADOOP' // Parquet's deprecated LZ4: Hadoop block framing, else an LZ4 frame, else a raw block
  | 'ZSTD' // one or more Zstandard frames


/**
 * Zstandard frames may ask for a window of up to 2 GiB; libzstd refuses more than 2^27 bytes unless
 * told otherwise, and so do we (docs/reliability.md).
 */
export const ZSTD_WINDOW_LIMIT = 1 << 27

/**
 * `input` decompressed to at most `max` bytes. With `exact`, the output must be exactly `max` bytes
 * (Parquet pages declare their size). `reuse`: a buffer the result may be written into when it
 * holds more than `max` bytes (Snappy, raw deflate): the caller no longer needs its old contents.
 */
export function decompress(codec: CodecName, input: Uint8Array, max: number, exact = false, reuse?: Uint8Array): Uint8Array {
  if (!(max >= 0) || !Number.isSafeInteger(max)) throw new CodecError('limit', `output size ${max} is not a valid size`)
  let out: Uint8Array
  switch (codec) {
    case 'UNCOMPRESSED':
      out = input
      if (out.length > max) throw new CodecError('limit', `uncompressed data is ${out.length} bytes, more than the ${max} allowed`)
      break
    case 'SNAPPY':
      out = snappyUncompress(input, exact ? max : undefined, reuse, max)
      break
    case 'DEFLATE':
      out = (reuse && reuse.length > max && inflateRawInto(input, reuse, max)) || zlibFamily(codec, input, max)
      break
    case 'GZIP':
    case 'ZLIB':
    case 'BROTLI':
      out = zlibFamily(codec, input, max)
      break
    case 'LZ4_RAW':
      out = lz4Block(input, 0, input.length, new Uint8Array(max), 0, exact)
      break
    case 'LZ4_HADOOP':
      out = lz4Hadoop(input, max, exact)
      break
    case 'ZSTD':
      out = zstd(input, max)
      break
    default:
      throw new CodecError('unsupported', `codec ${String(codec)} is not supported`)
  }
  if (exact && out.length !== max) throw new CodecError('corrupt', `decompressed to ${out.length} bytes, expected ${max}`)
  return out
}

function zlibFamily(codec: 'GZIP' | 'ZLIB' | 'DEFLATE' | 'BROTLI', input: Uint8Array, max: number): Uint8Array {
  // maxOutputLength must be ≥ 1; a cap of 0 is checked on the result instead.
  const options = { maxOutputLength: Math.max(1, max) }
  let out: Buffer
  try {
    out =
      codec === 'GZIP'
        ? gunzipSync(input, options)
        : codec === 'ZLIB'
          ? inflateSync(input, options)
          : codec === 'DEFLATE'
            ? inflateRawSync(input, options)
            : brotliDecompressSync(input, options)
  } catch (err) {
    const e = err as { code?: string; message?: string }
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw new CodecError('limit', `${codec} data decompresses to more than ${max} bytes`)
    throw new CodecError('corrupt', `invalid ${codec} data (${e.message ?? String(err)})`)
  }
  if (out.length > max) throw new CodecError('limit', `${codec} data decompresses to more than ${max} bytes`)
  return out
}

/**
 * Raw deflate into the caller's buffer, through one inflate handle kept for the process: Node's
 * zlib binding driven as zlib's own sync functions drive it (reset, one Z_FINISH write), so a
 * block costs no zlib state and no output allocation (ORC streams are runs of 256 KiB blocks: a
 * fresh buffer per block kept ~60 MB of garbage alive between collections). Returns undefined to
 * fall back to inflateRawSync when the binding is not there.
 */
interface RawInflate {
  write: (input: Uint8Array, out: Uint8Array, space: number) => [number, number]
  reset: () => void
  failure?: string
}
let raw: RawInflate | null | undefined

function inflateRawInto(input: Uint8Array, reuse: Uint8Array, max: number): Uint8Array | undefined {
  if (raw === undefined) {
    try {
      const z = createInflateRaw() as unknown as { _handle?: RawHandle; _writeState?: Uint32Array }
      const h = z._handle
      const state = z._writeState
      if (!h || typeof h.writeSync !== 'function' || typeof h.reset !== 'function' || !(state instanceof Uint32Array)) throw new Error('no zlib binding')
      const r: RawInflate = {
        write: (i, o, space) => {
          h.writeSync(constants.Z_FINISH, i, 0, i.length, o, 0, space)
          return [state[0], state[1]]
        },
        reset: () => h.reset(),
      }
      h.onerror = (message: string) => {
        r.failure = message
      }
      raw = r
    } catch {
      raw = null
    }
  }
  if (raw === null) return undefined
  raw.failure = undefined
  raw.reset()
  // One byte more than the cap: output that fills it is over the cap.
  const [availOut, availIn] = raw.write(input, reuse, max + 1)
  if (raw.failure !== undefined) {
    const failure = raw.failure
    raw.reset()
    throw new CodecError('corrupt', `invalid DEFLATE data (${failure})`)
  }
  if (availOut === 0) throw new CodecError('limit', `DEFLATE data decompresses to more than ${max} bytes`)
  void availIn
  return reuse.subarray(0, max + 1 - availOut)
}

interface RawHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void
  reset(): void
  onerror?: (message: string, errno: number) => void
}

/**
 * One LZ4 block, input[from, to) → out[o, …): returns the written part of `out` (from 0). The
 * output array bounds every copy, so a block cannot write past the cap.
 */
function lz4Block(input: Uint8Array, from: number, to: number, out: Uint8Array, o: number, exact: boolean): Uint8Array {
  const max = out.length
  let ip = from
  while (ip < to) {
    const token = input[ip++]
    let lit = token >>> 4
    if (lit === 15) {
      for (;;) {
        if (ip >= to) throw new CodecError('corrupt', 'LZ4 literal length runs past the end of the block')
        const b = input[ip++]
        lit += b
        if (b !== 255) break
      }
    }
    if (ip + lit > to) throw new CodecError('corrupt', 'LZ4 literals run past the end of the block')
    if (o + lit > max) throw new CodecError('limit', `LZ4 block decompresses to more than ${max} bytes`)
    if (lit > 32) {
      out.set(input.subarray(ip, ip + lit), o)
      o += lit
      ip += lit
    } else for (const end = ip + lit; ip < end; ) out[o++] = input[ip++]
    // The last sequence has literals only.
    if (ip >= to) break
    if (ip + 2 > to) throw new CodecError('corrupt', 'LZ4 match offset runs past the end of the block')
    const offset = input[ip] | (input[ip + 1] << 8)
    ip += 2
    if (offset === 0 || offset > o) throw new CodecError('corrupt', `LZ4 match offset ${offset} points before the start of the output`)
    let len = token & 15
    if (len === 15) {
      for (;;) {
        if (ip >= to) throw new CodecError('corrupt', 'LZ4 match length runs past the end of the block')
        const b = input[ip++]
        len += b
        if (b !== 255) break
      }
    }
    len += 4
    if (o + len > max) throw new CodecError('limit', `LZ4 block decompresses to more than ${max} bytes`)
    // Byte by byte: a match may overlap its own output (offset < length repeats a pattern).
    for (let s = o - offset, end = o + len; o < end; ) out[o++] = out[s++]
  }
  if (exact && o !== max) throw new CodecError('corrupt', `LZ4 block decompressed to ${o} bytes, expected ${max}`)
  return out.subarray(0, o)
}

const be32 = (b: Uint8Array, p: number) => ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0

/**
 * Parquet's LZ4 (codec 5), as writers produced it: Hadoop's framing (per block: 4-byte big-endian
 * decompressed size, 4-byte compressed size, an LZ4 block), or an LZ4 frame, or one raw block —
 * tried in that order, as Arrow does.
 */
function lz4Hadoop(input: Uint8Array, max: number, exact: boolean): Uint8Array {
  const hadoop = tryHadoop(input, max)
  if (hadoop) return hadoop
  if (input.length >= 4 && input[0] === 0x04 && input[1] === 0x22 && input[2] === 0x4d && input[3] === 0x18) return lz4Frame(input, max)
  return lz4Block(input, 0, input.length, new Uint8Array(max), 0, exact)
}

function tryHadoop(input: Uint8Array, max: number): Uint8Array | undefined {
  let p = 0
  let total = 0
  // The framing must account for every byte and every declared size must fit the cap.
  while (p < input.length) {
    if (p + 8 > input.length) return undefined
    const raw = be32(input, p)
    const packed = be32(input, p + 4)
    if (packed > input.length - p - 8 || raw > max - total) return undefined
    total += raw
    p += 8 + packed
  }
  if (p !== input.length || total === 0) return undefined
  const out = new Uint8Array(total)
  let o = 0
  p = 0
  try {
    while (p < input.length) {
      const raw = be32(input, p)
      const packed = be32(input, p + 4)
      const part = lz4Block(input, p + 8, p + 8 + packed, out.subarray(o, o + raw), 0, true)
      o += part.length
      p += 8 + packed
    }
  } catch {
    return undefined
  }
  return out
}

/** The LZ4 frame format (magic 04 22 4D 18): blocks, each compressed or stored. */
function lz4Frame(input: Uint8Array, max: number): Uint8Array {
  const out = new Uint8Array(max)
  let o = 0
  let p = 4
  if (p + 3 > input.length) throw new CodecError('corrupt', 'LZ4 frame header ends early')
  const flg = input[p]
  if (flg >> 6 !== 1) throw new CodecError('unsupported', `LZ4 frame version ${flg >> 6} is not supported`)
  const blockChecksum = (flg >> 4) & 1
  const contentSize = (flg >> 3) & 1
  const contentChecksum = (flg >> 2) & 1
  const dictId = flg & 1
  p += 2 + (contentSize ? 8 : 0) + (dictId ? 4 : 0) + 1 // FLG, BD, optional fields, header checksum
  for (;;) {
    if (p + 4 > input.length) throw new CodecError('corrupt', 'LZ4 frame ends before its end mark')
    const word = (input[p] | (input[p + 1] << 8) | (input[p + 2] << 16) | (input[p + 3] << 24)) >>> 0
    p += 4
    if (word === 0) break
    const stored = word >>> 31 === 1
    const size = word & 0x7fffffff
    if (p + size > input.length) throw new CodecError('corrupt', 'LZ4 frame block runs past the end of the data')
    if (stored) {
      if (o + size > max) throw new CodecError('limit', `LZ4 frame decompresses to more than ${max} bytes`)
      out.set(input.subarray(p, p + size), o)
      o += size
    } else {
      o += lz4Block(input, p, p + size, out.subarray(o), 0, false).length
    }
    p += size + (blockChecksum ? 4 : 0)
  }
  if (contentChecksum) p += 4
  return out.subarray(0, o)
}

/**
 * Zstandard: the frames' structure is walked first (headers and block sizes, no decoding), so every
 * window and declared content size is checked before the decoder allocates for it; then the frames
 * are decoded with fzstd, each output block copied into a buffer of at most `max` bytes.
 */
function zstd(input: Uint8Array, max: number): Uint8Array {
  const declared = walkZstd(input, max)
  const out = new Uint8Array(declared ?? max)
  let o = 0
  const stream = new ZstdStream((chunk) => {
    if (o + chunk.length > out.length) throw new CodecError(declared === undefined ? 'limit' : 'corrupt', `ZSTD data decompresses to more than ${out.length} bytes`)
    out.set(chunk, o)
    o += chunk.length
  })
  try {
    stream.push(input, true)
  } catch (err) {
    if (err instanceof CodecError) throw err
    throw new CodecError('corrupt', `invalid ZSTD data (${(err as Error).message})`)
  }
  if (declared !== undefined && o !== declared) throw new CodecError('corrupt', `ZSTD frames declare ${declared} bytes but hold ${o}`)
  return out.subarray(0, o)
}

/** Checks every frame header and block size; returns the total declared content size when every frame declares one. */
function walkZstd(b: Uint8Array, max: number): number | undefined {
  let p = 0
  let total: number | undefined = 0
  let frames = 0
  if (b.length === 0) throw new CodecError('corrupt', 'empty ZSTD data')
  while (p < b.length) {
    if (++frames > 1 << 16) throw new CodecError('limit', 'more than 65,536 ZSTD frames in one block')
    if (p + 4 > b.length) throw new CodecError('corrupt', 'ZSTD frame magic cut short')
    const magic = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
    p += 4
    if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
      // A skippable frame: its size, then that many bytes.
      if (p + 4 > b.length) throw new CodecError('corrupt', 'ZSTD skippable frame cut short')
      const n = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
      p += 4 + n
      if (p > b.length) throw new CodecError('corrupt', 'ZSTD skippable frame runs past the end of the data')
      continue
    }
    if (magic !== 0xfd2fb528) throw new CodecError('corrupt', `not a ZSTD frame (magic ${magic.toString(16)})`)
    if (p >= b.length) throw new CodecError('corrupt', 'ZSTD frame header cut short')
    const fhd = b[p++]
    if (fhd & 8) throw new CodecError('corrupt', 'ZSTD frame header has its reserved bit set')
    const fcsFlag = fhd >> 6
    const single = (fhd >> 5) & 1
    const checksum = (fhd >> 2) & 1
    const dictBytes = [0, 1, 2, 4][fhd & 3]
    if (dictBytes) throw new CodecError('unsupported', 'ZSTD frames that need a dictionary are not supported')
    let window = 0
    if (!single) {
      if (p >= b.length) throw new CodecError('corrupt', 'ZSTD frame header cut short')
      const wd = b[p++]
      const base = 2 ** (10 + (wd >> 3))
      window = base + (base / 8) * (wd & 7)
    }
    const fcsBytes = fcsFlag === 0 ? single : 1 << fcsFlag
    if (p + fcsBytes > b.length) throw new CodecError('corrupt', 'ZSTD frame header cut short')
    let fcs: number | undefined
    if (fcsBytes > 0) {
      fcs = 0
      for (let i = 0; i < fcsBytes; i++) fcs += b[p + i] * 2 ** (8 * i)
      if (fcsBytes === 2) fcs += 256
      p += fcsBytes
    }
    if (single) window = fcs ?? 0
    if (window > ZSTD_WINDOW_LIMIT) throw new CodecError('limit', `ZSTD window of ${window} bytes is over the ${ZSTD_WINDOW_LIMIT}-byte limit`)
    if (fcs === undefined) total = undefined
    else if (total !== undefined) {
      total += fcs
      if (total > max) throw new CodecError('limit', `ZSTD frames declare ${total} bytes, more than the ${max} allowed`)
    }
    // Blocks: 3-byte headers (last flag, type, size); RLE blocks hold one byte.
    for (;;) {
      if (p + 3 > b.length) throw new CodecError('corrupt', 'ZSTD block header cut short')
      const h = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)
      p += 3
      const type = (h >> 1) & 3
      if (type === 3) throw new CodecError('corrupt', 'ZSTD block of the reserved type')
      const size = h >>> 3
      p += type === 1 ? 1 : size
      if (p > b.length) throw new CodecError('corrupt', 'ZSTD block runs past the end of the data')
      if (h & 1) break
    }
    p += checksum ? 4 : 0
    if (p > b.length) throw new CodecError('corrupt', 'ZSTD frame checksum cut short')
  }
  return total
}
