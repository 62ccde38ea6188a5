/**
 * ORC compression: a compressed stream is a run of chunks, each with a 3-byte little-endian header
 * (length × 2 + 1 when the chunk is stored as is). Every chunk decompresses to at most the file's
 * block size, so no chunk can make us allocate more than that.
 */
import { decompress, type CodecName } from '../../codecs/decompress.js'
import { corrupt, OrcError, overLimit } from './errors.js'
import { COMPRESSION_NAMES, CompressionKind } from './proto.js'

export interface Compression {
  /** PostScript compression kind. */
  readonly kind: number
  readonly name: string
  /** The shared decompressor for it; undefined for NONE. */
  readonly codec: CodecName | undefined
  /** Decompressed bytes per chunk, at most (PostScript compressionBlockSize, default 256 KiB). */
  readonly blockSize: number
}

export const DEFAULT_BLOCK_SIZE = 256 * 1024
/** Larger blocks than this are refused (docs/reliability.md): each decompressed chunk is held whole. */
export const MAX_BLOCK_SIZE = 16 * 1024 * 1024

const CODECS: Record<number, CodecName | undefined> = {
  [CompressionKind.NONE]: undefined,
  [CompressionKind.ZLIB]: 'DEFLATE',
  [CompressionKind.SNAPPY]: 'SNAPPY',
  [CompressionKind.LZ4]: 'LZ4_RAW',
  [CompressionKind.ZSTD]: 'ZSTD',
}

export function compressionOf(kind: number, blockSize: number | undefined): Compression {
  const name = COMPRESSION_NAMES[kind] ?? `kind ${kind}`
  if (!(kind in CODECS)) {
    throw new OrcError('UNSUPPORTED_CODEC', `${name} compression is not supported`, {
      expected: 'NONE, ZLIB, SNAPPY, LZ4 or ZSTD',
      actual: name,
    })
  }
  const size = blockSize ?? DEFAULT_BLOCK_SIZE
  if (size > MAX_BLOCK_SIZE) {
    throw overLimit(`compression block size of ${size} bytes is over the limit`, { expected: `at most ${MAX_BLOCK_SIZE} bytes`, actual: `${size} bytes` })
  }
  if (size === 0 && kind !== CompressionKind.NONE) throw corrupt('compression block size is 0')
  return { kind, name, codec: CODECS[kind], blockSize: size }
}

/**
 * The chunk whose header is at data[p]; `end` is where its stream ends. Returns the chunk's bytes
 * and where the next chunk starts. `at`: the file offset of data[0] (for errors). `reuse`: a buffer
 * of more than blockSize bytes the chunk may be decompressed into (its old contents are overwritten).
 */
export function readChunk(c: Compression, data: Uint8Array, p: number, end: number, at: number, reuse?: Uint8Array): { bytes: Uint8Array; next: number } {
  if (end - p < 3) throw corrupt('a compression chunk header is cut short', { offset: at + p })
  const h = data[p] | (data[p + 1] << 8) | (data[p + 2] << 16)
  const len = h >>> 1
  const start = p + 3
  if (len > end - start) throw corrupt(`a compression chunk of ${len} bytes runs past the end of its stream`, { offset: at + p, expected: `at most ${end - start} bytes`, actual: `${len} bytes` })
  if (len > c.blockSize) throw corrupt(`a compression chunk of ${len} bytes is larger than the block size`, { offset: at + p, expected: `at most ${c.blockSize} bytes`, actual: `${len} bytes` })
  const body = data.subarray(start, start + len)
  return { bytes: h & 1 ? body : decompress(c.codec!, body, c.blockSize, false, reuse), next: start + len }
}

/** A whole compressed stream (footer, metadata, stripe footer, dictionary), at most `max` bytes decompressed. */
export function decompressStream(c: Compression, data: Uint8Array, max: number, at: number, what: string): Uint8Array {
  if (c.codec === undefined) {
    if (data.length > max) throw overLimit(`the ${what} is ${data.length} bytes, over the limit`, { offset: at, expected: `at most ${max} bytes`, actual: `${data.length} bytes` })
    return data
  }
  const parts: Uint8Array[] = []
  let total = 0
  let p = 0
  while (p < data.length) {
    const { bytes, next } = readChunk(c, data, p, data.length, at)
    total += bytes.length
    if (total > max) throw overLimit(`the ${what} decompresses to more than the limit`, { offset: at + p, expected: `at most ${max} bytes` })
    parts.push(bytes)
    p = next
  }
  return parts.length === 1 ? parts[0] : concat(parts, total)
}

export function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = Buffer.allocUnsafe(total)
  let o = 0
  for (const part of parts) {
    out.set(part, o)
    o += part.length
  }
  return out
}
