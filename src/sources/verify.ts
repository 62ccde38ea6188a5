/** MD5 and size of a data object, checked as its bytes stream past (files[].MD5checksum, files[].size). */
import { createHash } from 'node:crypto'
import { S3InventoryError } from '../errors.js'
import type { ByteSource, ObjectRef } from './source.js'

export interface Expected {
  size?: number
  md5?: string
}

/**
 * Passes bytes through unchanged; after the last byte, throws DATA_SIZE_MISMATCH or
 * DATA_CHECKSUM_MISMATCH instead of ending. A decoder downstream therefore fails before it reports
 * the end of the file.
 */
export async function* verified(input: AsyncIterable<Uint8Array>, expected: Expected, ref: ObjectRef): AsyncGenerator<Uint8Array> {
  const hash = expected.md5 ? createHash('md5') : undefined
  let n = 0
  for await (const chunk of input) {
    n += chunk.length
    if (expected.size !== undefined && n > expected.size) throw sizeMismatch(ref, expected.size, `more than ${expected.size} bytes`, expected.size)
    hash?.update(chunk)
    yield chunk
  }
  checkEnd(ref, expected, n, hash?.digest('hex'))
}

export function checkEnd(ref: ObjectRef, expected: Expected, size: number, md5: string | undefined): void {
  if (expected.size !== undefined && size !== expected.size) throw sizeMismatch(ref, expected.size, `${size} bytes`)
  if (expected.md5 !== undefined && md5 !== undefined && md5 !== expected.md5.toLowerCase()) {
    throw new S3InventoryError('DATA_CHECKSUM_MISMATCH', 'data file bytes do not match the manifest MD5', {
      bucket: ref.bucket,
      key: ref.key,
      expected: expected.md5,
      actual: md5,
    })
  }
}

function sizeMismatch(ref: ObjectRef, expected: number, actual: string, offset?: number): S3InventoryError {
  return new S3InventoryError('DATA_SIZE_MISMATCH', 'data file size differs from the manifest', {
    bucket: ref.bucket,
    key: ref.key,
    offset,
    expected: `${expected} bytes`,
    actual,
  })
}

/**
 * MD5 of a file whose bytes are fetched in file order but not all by the reader (a columnar reader
 * skips what it does not decode): `update` takes each buffer fetched at its offset; the gaps before
 * it are read through `gap(a, b)` and hashed on the way. `finish` hashes up to the tail already in
 * hand and gives the hex digest.
 */
export function sequentialMd5(gap: (a: number, b: number) => AsyncIterable<Uint8Array>): {
  update(at: number, buf: Uint8Array): Promise<void>
  finish(size: number, tailStart: number, tail: Uint8Array): Promise<string>
} {
  const hash = createHash('md5')
  let done = 0
  const fill = async (to: number) => {
    if (done >= to) return
    for await (const chunk of gap(done, to)) {
      hash.update(chunk)
      done += chunk.length
    }
  }
  return {
    async update(at, buf) {
      await fill(at)
      if (at + buf.length > done) hash.update(buf.subarray(done - at))
      done = Math.max(done, at + buf.length)
    },
    async finish(size, tailStart, tail) {
      await fill(tailStart)
      if (size > done) hash.update(tail.subarray(done - tailStart))
      return hash.digest('hex')
    },
  }
}

/** The hex MD5 of a stream of chunks. */
export async function md5Of(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('md5')
  for await (const c of chunks) hash.update(c)
  return hash.digest('hex')
}

/**
 * The hex MD5 of bytes [0, size) of `source` beside other reads: the source's own off-thread hash where
 * it has one (a large local file), else a separate sequential read.
 */
export function sideMd5(source: ByteSource, size: number, signal: AbortSignal): Promise<string> {
  return source.md5 ? source.md5(signal) : md5Of(source.stream(0, size, signal))
}
