/**
 * The block decompressors shared by Parquet and ORC: exact output, every output capped, typed
 * failures. The .zst/.lz4/.gz fixtures were made by the zstd, lz4 and gzip command-line tools from
 * fixtures/codecs/text.txt (zstd -19; zstd --no-content-size from a pipe; two zstd frames
 * concatenated; lz4 -9, the frame format).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { deflateRawSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { CodecError, decompress, ZSTD_WINDOW_LIMIT } from '../src/codecs/decompress.js'

const dir = path.join(__dirname, '..', 'fixtures', 'codecs')
const read = (f: string) => new Uint8Array(readFileSync(path.join(dir, f)))
const text = read('text.txt')

function failure(f: () => unknown): CodecError {
  try {
    f()
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError)
    return err as CodecError
  }
  throw new Error('expected a CodecError')
}

describe('decompress', () => {
  it.each(['text.zst', 'text-nosize.zst', 'two-frames.zst'])('ZSTD %s gives the original bytes, exactly and within a cap', (f) => {
    expect(Buffer.from(decompress('ZSTD', read(f), text.length, true)).equals(Buffer.from(text))).toBe(true)
    expect(Buffer.from(decompress('ZSTD', read(f), text.length + 100)).equals(Buffer.from(text))).toBe(true)
  })

  it('ZSTD over the cap is a limit failure, with or without a declared size', () => {
    expect(failure(() => decompress('ZSTD', read('text.zst'), 1000)).reason).toBe('limit')
    expect(failure(() => decompress('ZSTD', read('text-nosize.zst'), 1000)).reason).toBe('limit')
    // A declared size that disagrees with the page's is corrupt data, not a cap.
    expect(failure(() => decompress('ZSTD', read('text.zst'), text.length + 1, true)).reason).toBe('corrupt')
  })

  it('a ZSTD header that claims a 2 GiB content size or window is refused before anything is allocated', () => {
    // Frame header: magic, FHD = single segment + 4-byte content size, then the size, then an empty raw last block.
    const huge = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0xff, 0xff, 0xff, 0x7f, 0x01, 0x00, 0x00])
    expect(failure(() => decompress('ZSTD', huge, 1 << 20)).reason).toBe('limit')
    // Window descriptor 2^31 (exponent 21), no content size.
    const wide = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01, 0x00, 0x00])
    const e = failure(() => decompress('ZSTD', wide, 1 << 20))
    expect(e.reason).toBe('limit')
    expect(e.message).toContain(String(ZSTD_WINDOW_LIMIT))
  })

  it('truncated or damaged ZSTD is corrupt', () => {
    const z = read('text.zst')
    expect(failure(() => decompress('ZSTD', z.subarray(0, z.length - 10), text.length)).reason).toBe('corrupt')
    expect(failure(() => decompress('ZSTD', Uint8Array.from([1, 2, 3, 4, 5]), 100)).reason).toBe('corrupt')
    expect(failure(() => decompress('ZSTD', new Uint8Array(0), 100)).reason).toBe('corrupt')
  })

  it('LZ4 frames (Parquet LZ4 written as a frame) decode, capped', () => {
    expect(Buffer.from(decompress('LZ4_HADOOP', read('text.lz4'), text.length, true)).equals(Buffer.from(text))).toBe(true)
    expect(failure(() => decompress('LZ4_HADOOP', read('text.lz4'), 1000)).reason).toBe('limit')
  })

  it('LZ4 raw blocks: literals, overlapping matches, Hadoop framing; offsets before the start are corrupt', () => {
    // "abc" then a match of length 9 at offset 3: "abcabcabcabc".
    const block = Uint8Array.from([0x35, 0x61, 0x62, 0x63, 0x03, 0x00])
    expect(Buffer.from(decompress('LZ4_RAW', block, 12, true)).toString()).toBe('abcabcabcabc')
    expect(failure(() => decompress('LZ4_RAW', block, 11)).reason).toBe('limit')
    expect(failure(() => decompress('LZ4_RAW', Uint8Array.from([0x10, 0x61, 0x05, 0x00]), 100)).reason).toBe('corrupt')
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 12, 0, 0, 0, block.length]), block])
    expect(Buffer.from(decompress('LZ4_HADOOP', framed, 12, true)).toString()).toBe('abcabcabcabc')
  })

  it('gzip, zlib and raw deflate stop at the cap instead of inflating a bomb; multi-member gzip is whole', () => {
    const zeros = new Uint8Array(4 << 20)
    expect(failure(() => decompress('GZIP', gzipSync(zeros), 1 << 20)).reason).toBe('limit')
    expect(failure(() => decompress('DEFLATE', deflateRawSync(zeros), 1 << 20)).reason).toBe('limit')
    const two = Buffer.concat([gzipSync(Buffer.from('first ')), gzipSync(Buffer.from('second'))])
    expect(Buffer.from(decompress('GZIP', two, 12, true)).toString()).toBe('first second')
    expect(Buffer.from(decompress('GZIP', read('text.gz'), text.length, true)).equals(Buffer.from(text))).toBe(true)
    expect(failure(() => decompress('GZIP', Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2]), 100)).reason).toBe('corrupt')
  })

  it('Snappy checks its declared length against the cap before allocating', () => {
    // varint 0x7fffffff, then nothing.
    const e = failure(() => decompress('SNAPPY', Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x07]), 1 << 20))
    expect(e.reason).toBe('limit')
  })
})
